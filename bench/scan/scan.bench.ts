// SPEC 4: a full scan of a 1,000,000-entry tree against `find -printf '%s %T@ %p\n'` on it
// (<= 4x time, <= 300 MB RSS), and a rescan of the same unchanged tree (<= 3x find).
// Each scan runs in its own child process (its peak RSS is the scan's alone), through the real
// database path: PostgreSQL behind pgBouncer in transaction mode, fenced batches.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { openSync, closeSync } from 'node:fs';
import path from 'node:path';
import { type FenceContext, LeaseRepository } from '@portico/cluster';
import { createPool } from '@portico/db';

import type { BenchContext, Benchmark } from '../lib/benchmark';
import { round } from '../lib/output';
import { startServices } from '../lib/services';
import type { ChildInput, ChildOutput } from './scan-child';
import { ensureTree, type Tree } from './tree';

const TOP_FOLDERS = { full: 1000, quick: 100 };
const FIND_RUNS = 3;
const DEFAULT_IGNORE = ['.DS_Store', '._*', 'Thumbs.db', '*.tmp', '.portico'];

export const scan: Benchmark = {
  async run({ quick, emit, log, lifecycle }: BenchContext): Promise<void> {
    const tree = await ensureTree(quick ? TOP_FOLDERS.quick : TOP_FOLDERS.full, log);

    // find warms the page cache first (the scans then run on the same cached tree); it is timed
    // before, between and after the scans, and the median is the reference, so that a change of
    // load on the machine during the run weighs on both sides alike.
    await timeFind(tree.root);
    const findSamples: number[] = [];
    for (let run = 0; run < FIND_RUNS; run++) findSamples.push(await timeFind(tree.root));

    const services = await startServices('scan', lifecycle, log);
    const fence = await leaderOf(services.url, lifecycle);
    // Default settings. With the default growing-files threshold the full scan registers every
    // file as settling; a later scan (once the threshold has passed) hands them all to the sink,
    // and only then does the index agree with the tree: the rescan measured is the one after.
    const input: ChildInput = {
      databaseUrl: services.url,
      root: tree.root,
      fence,
      settings: {
        concurrency: 4,
        ignorePatterns: DEFAULT_IGNORE,
        growingThresholdSeconds: 10,
        maxDeletionsPerScan: 1000,
      },
    };

    const full = await scanInChild(input);
    check(full, tree, 'full scan', { filesNew: tree.files, filesReady: 0 }, 0);
    log(`full scan: ${full.seconds.toFixed(2)} s, peak RSS ${full.maxRssMb.toFixed(0)} MB`);
    findSamples.push(await timeFind(tree.root));

    // The threshold is timed on the database clock from when each file was first seen.
    const settleAfterMs = (full.nextSettleInMs ?? 0) + 2000;
    log(`waiting ${(settleAfterMs / 1000).toFixed(1)} s for the files to be stable`);
    await new Promise((resolve) => setTimeout(resolve, settleAfterMs));
    const settle = await scanInChild(input);
    check(
      settle,
      tree,
      'settling scan',
      { filesNew: 0, filesModified: 0, filesReady: tree.files },
      tree.files,
    );
    log(`settling scan: ${settle.seconds.toFixed(2)} s, peak RSS ${settle.maxRssMb.toFixed(0)} MB`);

    const rescan = await scanInChild(input);
    check(
      rescan,
      tree,
      'rescan',
      { filesNew: 0, filesModified: 0, filesMoved: 0, filesReady: 0, filesRemoved: 0 },
      0,
    );
    log(`rescan: ${rescan.seconds.toFixed(2)} s, peak RSS ${rescan.maxRssMb.toFixed(0)} MB`);
    findSamples.push(await timeFind(tree.root));
    const findSeconds = median(findSamples);
    log(
      `find: ${findSamples.map((seconds) => seconds.toFixed(2)).join(' / ')} s (median ${findSeconds.toFixed(2)} s)`,
    );

    emit({ metric: 'entries', value: tree.entries, unit: 'count' });
    emit({ metric: 'find_s', value: round(findSeconds), unit: 's' });
    emit({ metric: 'full_scan_s', value: round(full.seconds), unit: 's' });
    emit({
      metric: 'full_scan_vs_find_ratio',
      value: round(full.seconds / findSeconds, 2),
      unit: 'ratio',
      target: { op: '<=', value: 4 },
    });
    emit({ metric: 'settling_scan_s', value: round(settle.seconds), unit: 's' });
    emit({ metric: 'settling_scan_rss_mb', value: round(settle.maxRssMb, 1), unit: 'MB' });
    emit({ metric: 'rescan_s', value: round(rescan.seconds), unit: 's' });
    emit({
      metric: 'rescan_vs_find_ratio',
      value: round(rescan.seconds / findSeconds, 2),
      unit: 'ratio',
      target: { op: '<=', value: 3 },
    });
    emit({
      metric: 'peak_rss_mb',
      value: round(Math.max(full.maxRssMb, rescan.maxRssMb), 1),
      unit: 'MB',
      target: { op: '<=', value: 300 },
    });
  },
};

/** `find <root> -printf '%s %T@ %p\n' > /dev/null`, in seconds. */
async function timeFind(root: string): Promise<number> {
  const devNull = openSync('/dev/null', 'w');
  try {
    const started = performance.now();
    await new Promise<void>((resolve, reject) => {
      const child = spawn('find', [root, '-printf', '%s %T@ %p\n'], { stdio: ['ignore', devNull, 'pipe'] });
      let stderr = '';
      child.stderr!.on('data', (data: Buffer) => (stderr += data.toString()));
      child.once('error', reject);
      child.once('exit', (code) =>
        code === 0 ? resolve() : reject(new Error(`find exited ${code}: ${stderr}`)),
      );
    });
    return (performance.now() - started) / 1000;
  } finally {
    closeSync(devNull);
  }
}

/** A cluster and a leader lease (long enough for the whole run: nothing renews it). */
async function leaderOf(databaseUrl: string, lifecycle: BenchContext['lifecycle']): Promise<FenceContext> {
  const pool = createPool(databaseUrl, { max: 2 });
  lifecycle.defer('benchmark pool', () => pool.end());
  const clusterId = randomUUID();
  await pool.query('INSERT INTO portico.clusters (id, name) VALUES ($1, $2)', [clusterId, 'bench-scan']);
  const worker = randomUUID();
  const grant = await new LeaseRepository(pool, { requestTimeoutMs: 5000 }).acquire(
    clusterId,
    worker,
    worker,
    3_600_000,
  );
  if (!grant.granted) throw new Error('the benchmark could not take the leader lease of its own cluster');
  return { clusterId, term: grant.term, nodeId: worker, workerId: worker, action: 'scan' };
}

async function scanInChild(input: ChildInput): Promise<ChildOutput> {
  const script = path.join(__dirname, 'scan-child.js');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, JSON.stringify(input)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (data: Buffer) => (stdout += data.toString()));
    child.stderr.on('data', (data: Buffer) => (stderr += data.toString()));
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`scan child exited ${code}: ${stderr}`));
      try {
        resolve(JSON.parse(stdout) as ChildOutput);
      } catch (error) {
        reject(new Error(`scan child printed no result (${String(error)}): ${stdout}${stderr}`));
      }
    });
  });
}

/** A benchmark of a scan that got the tree wrong would measure nothing: refuse its numbers. */
function check(
  output: ChildOutput,
  tree: Tree,
  what: string,
  expected: Partial<ChildOutput['totals']>,
  handedOver: number,
): void {
  const totals = output.totals;
  const wrong = Object.entries(expected).filter(
    ([key, value]) => totals[key as keyof typeof totals] !== value,
  );
  if (
    output.state !== 'completed' ||
    totals.filesListed !== tree.files ||
    wrong.length > 0 ||
    output.handedOver !== handedOver
  )
    throw new Error(`${what} did not see the tree as expected: ${JSON.stringify(output)}`);
}

function median(samples: readonly number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}
