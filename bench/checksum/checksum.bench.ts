// SPEC 4: MD5 throughput of one worker (the CHECKSUM role's hasher) against `md5sum` on the same
// page-cached file, timed in alternating order over several repetitions, medians compared; the
// xxh64 throughput of the same hasher; and small files with hash() and hashMany() (small-files.ts).
import { execFile } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { NodeFileHasher, type HashAlgorithm } from '@portico/storage';
import { ensureCommands } from '@portico/testing';

import type { BenchContext, Benchmark } from '../lib/benchmark';
import { round } from '../lib/output';
import { percentile } from '../lib/stats';
import { runSmallFiles } from './small-files';

const run = promisify(execFile);
const MiB = 1024 * 1024;
const FILE_BYTES = { full: 1024 * MiB, quick: 256 * MiB };
const REPETITIONS = { full: 9, quick: 3 };
/** Throughputs are in decimal megabytes per second, as `dd` and most tools print them. */
const MB = 1e6;

/** Random data (incompressible, so no layer below can cheat), written in 4 MiB blocks. */
function writeRandomFile(file: string, bytes: number): void {
  const block = Buffer.allocUnsafe(4 * MiB);
  const fd = openSync(file, 'w');
  try {
    for (let written = 0; written < bytes; written += block.length) {
      randomFillSync(block);
      writeSync(fd, block, 0, Math.min(block.length, bytes - written));
    }
  } finally {
    closeSync(fd);
  }
}

async function timed<T>(action: () => Promise<T>): Promise<{ seconds: number; value: T }> {
  const started = performance.now();
  const value = await action();
  return { seconds: (performance.now() - started) / 1000, value };
}

async function hashWith(hasher: NodeFileHasher, file: string, algorithm: HashAlgorithm): Promise<string> {
  const result = await hasher.hash(file, { algorithms: [algorithm] });
  return result.checksums[0]!.value;
}

async function md5sum(file: string): Promise<string> {
  const { stdout } = await run('md5sum', [file]);
  return stdout.slice(0, 32);
}

async function runChecksum(context: BenchContext): Promise<void> {
  const { quick, emit, log, lifecycle } = context;
  ensureCommands([{ command: 'md5sum', debianPackage: 'coreutils' }]);
  const bytes = quick ? FILE_BYTES.quick : FILE_BYTES.full;
  const repetitions = quick ? REPETITIONS.quick : REPETITIONS.full;
  const dir = mkdtempSync(path.join(tmpdir(), 'portico-bench-checksum-'));
  lifecycle.defer('remove the test file', () => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'media.bin');

  log(`writing ${bytes / MiB} MiB of random data to ${file}`);
  writeRandomFile(file, bytes);
  const hasher = new NodeFileHasher();
  log('reading it once to page-cache it');
  await hashWith(hasher, file, 'xxh64');

  const md5 = { hasher: [] as number[], md5sum: [] as number[] };
  const xxh64: number[] = [];
  for (let repetition = 1; repetition <= repetitions; repetition++) {
    // Alternate who goes first, so neither always runs right after the other's cache effects.
    const order = repetition % 2 === 1 ? (['hasher', 'md5sum'] as const) : (['md5sum', 'hasher'] as const);
    const digests: Record<string, string> = {};
    for (const who of order) {
      const { seconds, value } = await timed(() =>
        who === 'hasher' ? hashWith(hasher, file, 'md5') : md5sum(file),
      );
      md5[who].push(bytes / MB / seconds);
      digests[who] = value;
    }
    if (digests.hasher !== digests.md5sum) {
      throw new Error(`MD5 mismatch on ${file}: hasher ${digests.hasher}, md5sum ${digests.md5sum}`);
    }
    const { seconds } = await timed(() => hashWith(hasher, file, 'xxh64'));
    xxh64.push(bytes / MB / seconds);
    log(
      `repetition ${repetition}/${repetitions}: hasher md5 ${md5.hasher.at(-1)!.toFixed(0)} MB/s, ` +
        `md5sum ${md5.md5sum.at(-1)!.toFixed(0)} MB/s, xxh64 ${xxh64.at(-1)!.toFixed(0)} MB/s`,
    );
  }

  const hasherMedian = percentile(md5.hasher, 50);
  const md5sumMedian = percentile(md5.md5sum, 50);
  emit({ metric: 'md5_mb_per_s', value: round(hasherMedian, 1), unit: 'MB/s' });
  emit({ metric: 'md5sum_mb_per_s', value: round(md5sumMedian, 1), unit: 'MB/s' });
  emit({
    metric: 'md5_vs_md5sum_ratio',
    value: round(hasherMedian / md5sumMedian, 3),
    unit: 'ratio',
    target: { op: '>=', value: 0.95 },
  });
  emit({ metric: 'xxh64_mb_per_s', value: round(percentile(xxh64, 50), 1), unit: 'MB/s' });
  emit({ metric: 'file_mib', value: bytes / MiB, unit: 'MiB' });
  emit({ metric: 'repetitions', value: repetitions, unit: 'count' });

  await runSmallFiles(path.join(dir, 'small'), context);
}

export const checksum: Benchmark = { run: runChecksum };
