// The small-file half of the checksum benchmark: many page-cached 4 KiB files hashed (a) with
// `hash()`, 8 at a time, as the CHECKSUM role reads a batch's files, and (b) with `hashMany()` in
// batches of 100, as the role's batches are; throughput, and the time the calling thread's event
// loop was busy (what the rest of a node — leases, database, other roles — no longer gets).
import { randomFillSync } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { type FileHashResult, type HashAlgorithm, NodeFileHasher } from '@portico/storage';

import type { BenchContext } from '../lib/benchmark';
import { round } from '../lib/output';
import { percentile } from '../lib/stats';

const FILE_BYTES = 4096;
const FILES = { full: 10_000, quick: 2_000 };
const REPETITIONS = { full: 3, quick: 1 };
const HASH_IN_FLIGHT = 8;
const BATCH_FILES = 100;
const ALGORITHMS: readonly HashAlgorithm[] = ['md5'];

type Way = 'hash' | 'hash_many';

interface Pass {
  readonly seconds: number;
  /** Event-loop active time of this thread (performance.eventLoopUtilization). */
  readonly mainThreadMs: number;
  /** CPU time of the whole process (every thread: main, libuv pool, checksum thread). */
  readonly cpuMs: number;
  readonly md5: readonly string[];
}

/** `count` files of random data, 1,000 per folder (as a storage's folders hold them). */
function writeSmallFiles(root: string, count: number): string[] {
  const files: string[] = [];
  const data = Buffer.allocUnsafe(FILE_BYTES);
  for (let index = 0; index < count; index++) {
    const folder = path.join(root, `d${Math.floor(index / 1000)}`);
    if (index % 1000 === 0) mkdirSync(folder, { recursive: true });
    const file = path.join(folder, `f${index}.bin`);
    randomFillSync(data);
    writeFileSync(file, data);
    files.push(file);
  }
  return files;
}

async function withHash(hasher: NodeFileHasher, files: readonly string[]): Promise<string[]> {
  const sums = new Array<string>(files.length);
  let next = 0;
  const reader = async (): Promise<void> => {
    while (next < files.length) {
      const index = next++;
      const result = await hasher.hash(files[index]!, { algorithms: ALGORITHMS });
      sums[index] = result.checksums[0]!.value;
    }
  };
  await Promise.all(Array.from({ length: HASH_IN_FLIGHT }, reader));
  return sums;
}

async function withHashMany(hasher: NodeFileHasher, files: readonly string[]): Promise<string[]> {
  const sums: string[] = [];
  for (let start = 0; start < files.length; start += BATCH_FILES) {
    const results = await hasher.hashMany(files.slice(start, start + BATCH_FILES), {
      algorithms: ALGORITHMS,
    });
    for (const result of results) sums.push(digestOf(result));
  }
  return sums;
}

function digestOf(result: FileHashResult | Error): string {
  if (result instanceof Error) throw result;
  return result.checksums[0]!.value;
}

async function pass(way: Way, hasher: NodeFileHasher, files: readonly string[]): Promise<Pass> {
  const loop = performance.eventLoopUtilization();
  const cpu = process.cpuUsage();
  const started = performance.now();
  const md5 = way === 'hash' ? await withHash(hasher, files) : await withHashMany(hasher, files);
  const seconds = (performance.now() - started) / 1000;
  const { user, system } = process.cpuUsage(cpu);
  return {
    seconds,
    mainThreadMs: performance.eventLoopUtilization(loop).active,
    cpuMs: (user + system) / 1000,
    md5,
  };
}

export async function runSmallFiles(dir: string, { quick, emit, log }: BenchContext): Promise<void> {
  const count = quick ? FILES.quick : FILES.full;
  const repetitions = quick ? REPETITIONS.quick : REPETITIONS.full;
  log(`writing ${count} files of ${FILE_BYTES} bytes under ${dir}`);
  const files = writeSmallFiles(dir, count);
  const hasher = new NodeFileHasher();
  try {
    log('hashing them once with each way to page-cache them and start the checksum thread');
    const reference = await withHash(hasher, files);
    await withHashMany(hasher, files);

    const passes: Record<Way, Pass[]> = { hash: [], hash_many: [] };
    for (let repetition = 1; repetition <= repetitions; repetition++) {
      const order: Way[] = repetition % 2 === 1 ? ['hash', 'hash_many'] : ['hash_many', 'hash'];
      for (const way of order) {
        const result = await pass(way, hasher, files);
        const mismatch = result.md5.findIndex((sum, index) => sum !== reference[index]);
        if (mismatch >= 0) {
          throw new Error(`MD5 mismatch on ${files[mismatch]} with ${way}: ${result.md5[mismatch]}`);
        }
        passes[way].push(result);
        log(
          `repetition ${repetition}/${repetitions} ${way}: ${(count / result.seconds).toFixed(0)} files/s, ` +
            `main thread busy ${result.mainThreadMs.toFixed(0)} ms, process CPU ${result.cpuMs.toFixed(0)} ms`,
        );
      }
    }

    for (const way of ['hash', 'hash_many'] as const) {
      const median = (pick: (pass: Pass) => number): number => percentile(passes[way].map(pick), 50);
      emit({
        metric: `small_files_per_s_${way}`,
        value: round(
          median((p) => count / p.seconds),
          0,
        ),
        unit: 'files/s',
      });
      emit({
        metric: `small_files_main_thread_ms_${way}`,
        value: round(
          median((p) => p.mainThreadMs),
          0,
        ),
        unit: 'ms',
      });
      emit({
        metric: `small_files_cpu_ms_${way}`,
        value: round(
          median((p) => p.cpuMs),
          0,
        ),
        unit: 'ms',
      });
    }
    emit({ metric: 'small_files', value: count, unit: 'count' });
  } finally {
    await hasher.close();
  }
}
