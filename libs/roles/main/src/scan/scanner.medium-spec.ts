// The scanner end to end: real trees in temp folders, the real walker (worker threads), real
// PostgreSQL through pgBouncer (transaction mode), a real leader lease for the fence. The sink
// records what it is given into a table, inside the scanner's transaction.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import {
  appendFileSync,
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type FenceContext, LeaseRepository, StaleTermError } from '@portico/cluster';
import { createPool } from '@portico/db';
import { FileStorageSentinel, ThreadStorageWalker } from '@portico/storage';
import { useTestDatabase, waitFor } from '@portico/testing';
import type { Pool, PoolClient } from 'pg';

import { type RunScanOptions, Scanner, type ScanResult } from './scanner';
import { type ScanChange, ScanSink } from './scan-sink';

const db = useTestDatabase();
let pool: Pool;
const roots: string[] = [];
const NOBODY = 65534;
const DEFAULT_IGNORE = ['.DS_Store', '._*', 'Thumbs.db', '*.tmp', '.portico'];
const SETTINGS: RunScanOptions = {
  concurrency: 2,
  ignorePatterns: DEFAULT_IGNORE,
  growingThresholdSeconds: 0,
  maxDeletionsPerScan: 1000,
};

/** Records every change it is handed, in the scanner's transaction (so a refused batch leaves none). */
class TableSink extends ScanSink {
  constructor(private readonly clusterId: string) {
    super();
  }

  async apply(client: PoolClient, changes: readonly ScanChange[]): Promise<void> {
    await client.query(
      `INSERT INTO public.sink_log (cluster_id, kind, path, from_path, size, empty, reason)
       SELECT $1, u.kind, u.path, u.from_path, u.size, u.empty, u.reason
         FROM unnest($2::text[], $3::text[], $4::text[], $5::int8[], $6::bool[], $7::text[])
              AS u(kind, path, from_path, size, empty, reason)`,
      [
        this.clusterId,
        changes.map((change) => change.kind),
        changes.map((change) => (change.kind === 'move' ? change.to : change.path)),
        changes.map((change) => (change.kind === 'move' ? change.from : null)),
        changes.map((change) => (change.kind === 'ingest' ? change.size : null)),
        changes.map((change) => (change.kind === 'ingest' ? change.empty : null)),
        changes.map((change) => (change.kind === 'ingest' ? change.reason : null)),
      ],
    );
  }
}

beforeAll(async () => {
  pool = createPool(db.url, { max: 8 });
  await pool.query(`CREATE TABLE public.sink_log (
    id bigserial PRIMARY KEY, cluster_id uuid NOT NULL, kind text NOT NULL, path text NOT NULL,
    from_path text, size bigint, empty boolean, reason text, at timestamptz NOT NULL DEFAULT now())`);
});

afterAll(async () => {
  await pool.end();
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

interface Leader {
  clusterId: string;
  fence: FenceContext;
  leases: LeaseRepository;
}

async function newCluster(): Promise<Leader> {
  const clusterId = randomUUID();
  await pool.query('INSERT INTO portico.clusters (id, name) VALUES ($1, $2)', [
    clusterId,
    `scan-${clusterId}`,
  ]);
  const leases = new LeaseRepository(pool, { requestTimeoutMs: 2000 });
  return { clusterId, leases, fence: await lead(leases, clusterId) };
}

/** A new worker takes the lease (releasing the current one first): a new term. */
async function lead(
  leases: LeaseRepository,
  clusterId: string,
  previous?: FenceContext,
): Promise<FenceContext> {
  if (previous) await leases.release(clusterId, previous.term, previous.workerId);
  const worker = randomUUID();
  const grant = await leases.acquire(clusterId, worker, worker, 600_000);
  if (!grant.granted) throw new Error('expected the lease');
  return { clusterId, term: grant.term, nodeId: worker, workerId: worker, action: 'scan' };
}

function storage(files: Record<string, string | number> = {}): string {
  const root = mkdtempSync(path.join(tmpdir(), 'portico-scan-'));
  roots.push(root);
  chmodSync(root, 0o755);
  write(root, files);
  return root;
}

function write(root: string, files: Record<string, string | number>): void {
  for (const [rel, content] of Object.entries(files)) {
    const abs = path.join(root, rel);
    mkdirSync(path.dirname(abs), { recursive: true });
    writeFileSync(abs, typeof content === 'number' ? Buffer.alloc(content, 1) : content);
  }
}

function scannerFor(leader: Leader, root: string): Scanner {
  return new Scanner({
    pool,
    walker: new ThreadStorageWalker(),
    sentinel: new FileStorageSentinel(),
    sink: new TableSink(leader.clusterId),
    root,
  });
}

async function indexOf(clusterId: string): Promise<Record<string, { size: number; status: string }>> {
  const { rows } = await pool.query<{ dir: string; name: string; size: string; status: string }>(
    'SELECT dir, name, size, status FROM portico.scan_files WHERE cluster_id = $1',
    [clusterId],
  );
  return Object.fromEntries(
    rows.map((row) => [
      row.dir ? `${row.dir}/${row.name}` : row.name,
      { size: Number(row.size), status: row.status },
    ]),
  );
}

async function sinkLog(clusterId: string): Promise<
  Array<{
    kind: string;
    path: string;
    from: string | null;
    size: number | null;
    empty: boolean | null;
    reason: string | null;
  }>
> {
  const { rows } = await pool.query<{
    kind: string;
    path: string;
    from_path: string | null;
    size: string | null;
    empty: boolean | null;
    reason: string | null;
  }>(
    'SELECT kind, path, from_path, size, empty, reason FROM public.sink_log WHERE cluster_id = $1 ORDER BY id',
    [clusterId],
  );
  return rows.map((row) => ({
    kind: row.kind,
    path: row.path,
    from: row.from_path,
    size: row.size === null ? null : Number(row.size),
    empty: row.empty,
    reason: row.reason,
  }));
}

async function clearSink(clusterId: string): Promise<void> {
  await pool.query('DELETE FROM public.sink_log WHERE cluster_id = $1', [clusterId]);
}

function kinds(result: ScanResult): string[] {
  return result.warnings.map((warning) => warning.kind);
}

it('first scan: writes the sentinel, indexes every file, hands stable ones over (zero-byte flagged), skips ignored ones', async () => {
  const leader = await newCluster();
  const root = storage({
    'shoot/a.mov': 100,
    'shoot/b.mxf': 2000,
    'shoot/blank.wav': 0,
    'shoot/.DS_Store': 5,
    'shoot/._a.mov': 5,
    'upload.tmp': 5,
    'deep/er/c.mov': 7,
  });
  const batches: number[] = [];
  const result = await scannerFor(leader, root).runScan(leader.fence, {
    ...SETTINGS,
    onBatch: (progress) => {
      batches.push(progress.processed);
    },
  });
  expect(result).toMatchObject({ state: 'completed', resumed: false, warnings: [], issues: [] });
  expect(result.totals).toMatchObject({
    filesListed: 4,
    filesNew: 4,
    filesReady: 4,
    entriesIgnored: 3,
    filesRemoved: 0,
  });
  expect(batches[batches.length - 1]).toBe(4);

  expect(await indexOf(leader.clusterId)).toEqual({
    'shoot/a.mov': { size: 100, status: 'ingested' },
    'shoot/b.mxf': { size: 2000, status: 'ingested' },
    'shoot/blank.wav': { size: 0, status: 'empty' },
    'deep/er/c.mov': { size: 7, status: 'ingested' },
  });
  const log = await sinkLog(leader.clusterId);
  expect(log.map((entry) => [entry.kind, entry.path, entry.empty, entry.reason]).sort()).toEqual([
    ['ingest', 'deep/er/c.mov', false, 'new'],
    ['ingest', 'shoot/a.mov', false, 'new'],
    ['ingest', 'shoot/b.mxf', false, 'new'],
    ['ingest', 'shoot/blank.wav', true, 'new'],
  ]);
  const { rows } = await pool.query(
    'SELECT storage_id::text AS id FROM portico.scan_storages WHERE cluster_id = $1',
    [leader.clusterId],
  );
  expect(rows).toHaveLength(1);
  expect(readFileSync(path.join(root, '.portico/storage-id'), 'utf8').trim()).toBe(
    (rows[0] as { id: string }).id,
  );

  // an unchanged rescan changes nothing and hands nothing over
  await clearSink(leader.clusterId);
  const again = await scannerFor(leader, root).runScan(leader.fence, SETTINGS);
  expect(again.totals).toMatchObject({
    filesListed: 4,
    filesNew: 0,
    filesModified: 0,
    filesReady: 0,
    filesRemoved: 0,
  });
  expect(await sinkLog(leader.clusterId)).toEqual([]);
  const progress = await scannerFor(leader, root).readProgress(leader.clusterId);
  expect(progress).toMatchObject({ runId: again.runId, state: 'completed', processed: 4, foldersLeft: 0 });
});

it("walks only the storage's scan directories (and the folders on the way to them)", async () => {
  const leader = await newCluster();
  const root = storage({
    'projects/2026/a.mov': 10,
    'projects/2026/deep/b.mov': 20,
    'projects/2025/old.mov': 30,
    'projects/notes.txt': 40,
    'Renders/x.exr': 50,
    'loose.mov': 60,
  });
  const result = await scannerFor(leader, root).runScan(leader.fence, {
    ...SETTINGS,
    scanDirectories: ['projects/2026', '/Renders/'],
  });
  expect(result).toMatchObject({ state: 'completed', warnings: [], issues: [] });
  expect(result.totals).toMatchObject({ filesListed: 3, filesNew: 3, filesRemoved: 0 });
  expect(Object.keys(await indexOf(leader.clusterId)).sort()).toEqual([
    'Renders/x.exr',
    'projects/2026/a.mov',
    'projects/2026/deep/b.mov',
  ]);
  // Narrowed: what is no longer in scope leaves the index as removed files do (under the cap).
  const narrowed = await scannerFor(leader, root).runScan(leader.fence, {
    ...SETTINGS,
    scanDirectories: ['Renders'],
  });
  expect(narrowed.totals).toMatchObject({ filesListed: 1, filesRemoved: 2, removalsHeld: 0 });
  expect(Object.keys(await indexOf(leader.clusterId))).toEqual(['Renders/x.exr']);
});

it('rescan: new, modified, moved (file and folder), removed and unchanged files', async () => {
  const leader = await newCluster();
  const root = storage({
    'a/keep.mov': 10,
    'a/edit.mov': 10,
    'a/move-me.mov': 30,
    'a/delete-me.mov': 40,
    'project/x.mov': 1,
    'project/sub/y.mov': 2,
  });
  const scanner = scannerFor(leader, root);
  await scanner.runScan(leader.fence, SETTINGS);
  await clearSink(leader.clusterId);

  appendFileSync(path.join(root, 'a/edit.mov'), 'more');
  mkdirSync(path.join(root, 'b'));
  renameSync(path.join(root, 'a/move-me.mov'), path.join(root, 'b/moved.mov'));
  unlinkSync(path.join(root, 'a/delete-me.mov'));
  renameSync(path.join(root, 'project'), path.join(root, 'project-2024'));
  write(root, { 'b/new.mov': 50 });

  const result = await scanner.runScan(leader.fence, SETTINGS);
  expect(result.totals).toMatchObject({
    filesNew: 1,
    filesModified: 1,
    filesMoved: 3,
    filesRemoved: 1,
    filesReady: 2,
  });
  const log = await sinkLog(leader.clusterId);
  expect(log.map((entry) => [entry.kind, entry.path, entry.from, entry.reason]).sort()).toEqual([
    ['ingest', 'a/edit.mov', null, 'modified'],
    ['ingest', 'b/new.mov', null, 'new'],
    ['move', 'b/moved.mov', 'a/move-me.mov', null],
    ['move', 'project-2024/sub/y.mov', 'project/sub/y.mov', null],
    ['move', 'project-2024/x.mov', 'project/x.mov', null],
    ['remove', 'a/delete-me.mov', null, null],
  ]);
  expect(Object.keys(await indexOf(leader.clusterId)).sort()).toEqual([
    'a/edit.mov',
    'a/keep.mov',
    'b/moved.mov',
    'b/new.mov',
    'project-2024/sub/y.mov',
    'project-2024/x.mov',
  ]);
});

it('a folder moved away and back is followed both times (the unchanged-folder fingerprints stay true)', async () => {
  const leader = await newCluster();
  const root = storage({ 'project/a.mov': 1, 'project/b.mov': 2, 'other/c.mov': 3 });
  const scanner = scannerFor(leader, root);
  await scanner.runScan(leader.fence, SETTINGS);
  await clearSink(leader.clusterId);
  renameSync(path.join(root, 'project'), path.join(root, 'project-old'));
  const away = await scanner.runScan(leader.fence, SETTINGS);
  expect(away.totals).toMatchObject({ filesMoved: 2, filesRemoved: 0, filesNew: 0 });
  renameSync(path.join(root, 'project-old'), path.join(root, 'project'));
  const back = await scanner.runScan(leader.fence, SETTINGS);
  expect(back.totals).toMatchObject({ filesMoved: 2, filesRemoved: 0, filesNew: 0 });
  expect(Object.keys(await indexOf(leader.clusterId)).sort()).toEqual([
    'other/c.mov',
    'project/a.mov',
    'project/b.mov',
  ]);
  expect((await sinkLog(leader.clusterId)).map((entry) => [entry.kind, entry.from, entry.path])).toEqual(
    expect.arrayContaining([
      ['move', 'project/a.mov', 'project-old/a.mov'],
      ['move', 'project-old/a.mov', 'project/a.mov'],
    ]),
  );
  expect(await sinkLog(leader.clusterId)).toHaveLength(4);
});

it('growing files are handed over only once size and mtime held still for the threshold (database clock)', async () => {
  const leader = await newCluster();
  const root = storage({ 'rec/live.mxf': 100, 'rec/empty.mxf': 0 });
  const scanner = scannerFor(leader, root);
  const settings = { ...SETTINGS, growingThresholdSeconds: 1 };

  const first = await scanner.runScan(leader.fence, settings);
  expect(first.totals).toMatchObject({ filesNew: 2, filesReady: 0 });
  expect(first.nextSettleInMs).toBeGreaterThan(0);
  expect(await indexOf(leader.clusterId)).toEqual({
    'rec/live.mxf': { size: 100, status: 'settling' },
    'rec/empty.mxf': { size: 0, status: 'settling' },
  });

  // it grows: a new version, its clock restarts
  appendFileSync(path.join(root, 'rec/live.mxf'), Buffer.alloc(50));
  const second = await scanner.runScan(leader.fence, settings);
  expect(second.totals.filesModified).toBe(1);
  expect((await indexOf(leader.clusterId))['rec/live.mxf']).toEqual({ size: 150, status: 'settling' });

  // it stops growing: a later scan hands the final version over, once
  await waitFor(
    async () => {
      await scanner.runScan(leader.fence, settings);
      return (await sinkLog(leader.clusterId)).some((entry) => entry.path === 'rec/live.mxf');
    },
    { description: 'the stable file handed over', timeoutMs: 20_000, intervalMs: 100 },
  );
  const log = await sinkLog(leader.clusterId);
  expect(log.filter((entry) => entry.path === 'rec/live.mxf')).toEqual([
    { kind: 'ingest', path: 'rec/live.mxf', from: null, size: 150, empty: false, reason: 'new' },
  ]);
  // handed over no sooner than the threshold after the version was first seen
  const { rows } = await pool.query<{ waited: number }>(
    `SELECT extract(epoch FROM l.at - f.version_seen_at)::float8 AS waited
       FROM public.sink_log l JOIN portico.scan_files f ON f.cluster_id = l.cluster_id AND f.dir || '/' || f.name = l.path
      WHERE l.cluster_id = $1 AND l.path = 'rec/live.mxf'`,
    [leader.clusterId],
  );
  expect(rows[0]!.waited).toBeGreaterThanOrEqual(1);
  await waitFor(
    async () => {
      if ((await sinkLog(leader.clusterId)).some((entry) => entry.path === 'rec/empty.mxf')) return true;
      await scanner.runScan(leader.fence, settings);
      return false;
    },
    { description: 'the empty file handed over', timeoutMs: 20_000, intervalMs: 100 },
  );
  expect((await sinkLog(leader.clusterId)).find((entry) => entry.path === 'rec/empty.mxf')).toMatchObject({
    empty: true,
  });
  expect((await indexOf(leader.clusterId))['rec/empty.mxf']).toEqual({ size: 0, status: 'empty' });
});

it('keeps NFC/NFD and case twins as separate files, never follows symlinks, and records each issue', async () => {
  const leader = await newCluster();
  const outside = storage({ 'secret.mov': 1 });
  const root = storage({ 'd/caf\u00e9.mov': 1, 'd/cafe\u0301.mov': 2, 'd/Clip.mov': 3, 'd/clip.mov': 4 });
  symlinkSync(outside, path.join(root, 'escape'));
  symlinkSync('..', path.join(root, 'd/loop'));
  const result = await scannerFor(leader, root).runScan(leader.fence, SETTINGS);
  expect(Object.keys(await indexOf(leader.clusterId)).sort()).toEqual(
    ['d/Clip.mov', 'd/caf\u00e9.mov', 'd/cafe\u0301.mov', 'd/clip.mov'].sort(),
  );
  // the second name of a pair the folder listing returns is the one reported
  expect(
    result.issues.map((issue) => [issue.kind, issue.path.normalize('NFC').toLowerCase()]).sort(),
  ).toEqual(
    [
      ['symlink-escape', 'escape'],
      ['symlink-loop', 'd/loop'],
      ['unicode-collision', 'd/caf\u00e9.mov'],
      ['case-collision', 'd/clip.mov'],
    ].sort(),
  );
  expect(result.totals.issues).toBe(4);
  const { rows } = await pool.query('SELECT count(*)::int AS n FROM portico.scan_issues WHERE run_id = $1', [
    result.runId,
  ]);
  expect(rows[0]).toEqual({ n: 4 });
});

it('an unreadable folder is reported and its indexed files are not taken for removed (scan as an unprivileged user)', async () => {
  // Root reads any folder whatever its mode bits, so the second scan runs in a child process as
  // `nobody`, for which the folder's permissions are real.
  if (process.getuid?.() !== 0) throw new Error('this test switches to the nobody user: run it as root');
  const leader = await newCluster();
  const root = storage({ 'open/a.mov': 1, 'locked/b.mov': 2, 'locked/inner/c.mov': 3 });
  await scannerFor(leader, root).runScan(leader.fence, SETTINGS);
  await clearSink(leader.clusterId);
  chmodSync(path.join(root, 'locked'), 0o000);
  write(root, { 'open/new.mov': 5 });
  try {
    const result = await scanInChild(root, leader.fence, { uid: NOBODY, gid: NOBODY });
    expect(result.state).toBe('completed');
    expect(result.issues).toEqual([expect.objectContaining({ path: 'locked', kind: 'unreadable' })]);
    expect(result.totals).toMatchObject({ filesNew: 1, filesRemoved: 0, foldersFailed: 1 });
    expect(Object.keys(await indexOf(leader.clusterId)).sort()).toEqual([
      'locked/b.mov',
      'locked/inner/c.mov',
      'open/a.mov',
      'open/new.mov',
    ]);
    expect((await sinkLog(leader.clusterId)).map((entry) => entry.kind)).toEqual(['ingest']);
  } finally {
    chmodSync(path.join(root, 'locked'), 0o755);
  }
});

it('mount loss: an emptied storage folder or a missing sentinel removes nothing and warns', async () => {
  const leader = await newCluster();
  const root = storage({ 'a/1.mov': 1, 'a/2.mov': 2, 'b/3.mov': 3 });
  const scanner = scannerFor(leader, root);
  await scanner.runScan(leader.fence, SETTINGS);
  await clearSink(leader.clusterId);

  // the share is gone: the mount point is an empty folder
  const away = storage();
  for (const entry of ['a', 'b', '.portico']) renameSync(path.join(root, entry), path.join(away, entry));
  const lost = await scanner.runScan(leader.fence, SETTINGS);
  expect(kinds(lost)).toEqual(['mount-suspect']);
  expect(lost.totals.filesRemoved).toBe(0);
  expect(Object.keys(await indexOf(leader.clusterId))).toHaveLength(3);
  expect(await sinkLog(leader.clusterId)).toEqual([]);
  expect(await scanner.countPendingRemovals(leader.clusterId)).toBe(0);

  // the files are back, one deleted, the sentinel still missing: nothing removed, new files found
  for (const entry of ['a', 'b']) renameSync(path.join(away, entry), path.join(root, entry));
  unlinkSync(path.join(root, 'a/2.mov'));
  write(root, { 'c/4.mov': 4 });
  const noSentinel = await scanner.runScan(leader.fence, SETTINGS);
  expect(kinds(noSentinel)).toEqual(['mount-suspect']);
  expect(noSentinel.totals).toMatchObject({ filesRemoved: 0, filesNew: 1 });
  expect(Object.keys(await indexOf(leader.clusterId)).sort()).toEqual([
    'a/1.mov',
    'a/2.mov',
    'b/3.mov',
    'c/4.mov',
  ]);
  expect((await sinkLog(leader.clusterId)).map((entry) => entry.kind)).toEqual(['ingest']);
});

it('another storage mounted in place (a different sentinel) is not scanned at all', async () => {
  const leader = await newCluster();
  const root = storage({ 'a.mov': 1 });
  await scannerFor(leader, root).runScan(leader.fence, SETTINGS);
  writeFileSync(path.join(root, '.portico/storage-id'), `${randomUUID()}\n`);
  rmSync(path.join(root, 'a.mov'));
  write(root, { 'other.mov': 1 });
  const result = await scannerFor(leader, root).runScan(leader.fence, SETTINGS);
  expect(result.state).toBe('refused');
  expect(kinds(result)).toEqual(['storage-mismatch']);
  expect(Object.keys(await indexOf(leader.clusterId))).toEqual(['a.mov']);
});

it('5,000 removals above a cap of 1,000: none applied and a warning; approval applies them (and spares a file that came back)', async () => {
  const leader = await newCluster();
  const files: Record<string, number> = { 'keep/k.mov': 1 };
  for (let index = 0; index < 5000; index++) files[`bulk/${index % 10}/f${index}.mov`] = 1;
  const root = storage(files);
  const scanner = scannerFor(leader, root);
  await scanner.runScan(leader.fence, { ...SETTINGS, batchEntries: 2000 });
  expect(Object.keys(await indexOf(leader.clusterId))).toHaveLength(5001);
  await clearSink(leader.clusterId);

  rmSync(path.join(root, 'bulk'), { recursive: true });
  const result = await scanner.runScan(leader.fence, SETTINGS);
  expect(kinds(result)).toEqual(['removals-held']);
  expect(result.warnings[0]!.message).toContain('5000 files are missing');
  expect(result.totals).toMatchObject({ filesRemoved: 0, removalsHeld: 5000 });
  expect(Object.keys(await indexOf(leader.clusterId))).toHaveLength(5001);
  expect(await sinkLog(leader.clusterId)).toEqual([]);
  expect(await scanner.countPendingRemovals(leader.clusterId)).toBe(5000);
  const firstPage = await scanner.listPendingRemovals(leader.clusterId, { limit: 3 });
  expect(firstPage.map((removal) => removal.path)).toEqual([
    'bulk/0/f0.mov',
    'bulk/0/f10.mov',
    'bulk/0/f100.mov',
  ]);
  const next = await scanner.listPendingRemovals(leader.clusterId, { after: firstPage[2]!.path, limit: 1 });
  expect(next.map((removal) => removal.path)).toEqual(['bulk/0/f1000.mov']);

  // a later scan keeps them held without piling up duplicates
  const again = await scanner.runScan(leader.fence, SETTINGS);
  expect(again.totals.removalsHeld).toBe(0);
  expect(await scanner.countPendingRemovals(leader.clusterId)).toBe(5000);

  write(root, { 'bulk/7/f7.mov': 1 });
  const approved = await scanner.approveRemovals(leader.fence);
  expect(approved).toEqual({ removed: 4999, cancelled: 1, kept: 0 });
  expect(Object.keys(await indexOf(leader.clusterId)).sort()).toEqual(['bulk/7/f7.mov', 'keep/k.mov']);
  const log = await sinkLog(leader.clusterId);
  expect(log).toHaveLength(4999);
  expect(new Set(log.map((entry) => entry.kind))).toEqual(new Set(['remove']));
  expect(await scanner.countPendingRemovals(leader.clusterId)).toBe(0);
});

it('a stale term is refused: the deposed leader writes nothing more, the new one resumes the run', async () => {
  const leader = await newCluster();
  const files: Record<string, number> = {};
  for (let index = 0; index < 300; index++) files[`d${index % 30}/f${index}.mov`] = 1;
  const root = storage(files);
  let successor: FenceContext | undefined;
  let committed = 0;
  const error = await scannerFor(leader, root)
    .runScan(leader.fence, {
      ...SETTINGS,
      concurrency: 1,
      batchEntries: 20,
      onBatch: async (progress) => {
        committed += 1;
        // once files are committed, another worker becomes leader (a new term) before the next batch
        if (progress.processed > 0 && !successor)
          successor = await lead(leader.leases, leader.clusterId, leader.fence);
      },
    })
    .catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(StaleTermError);
  expect((error as StaleTermError).currentTerm).toBe(successor!.term);

  const indexedBefore = Object.keys(await indexOf(leader.clusterId)).length;
  expect(indexedBefore).toBeGreaterThan(0);
  expect(indexedBefore).toBeLessThan(300);
  expect(await sinkLog(leader.clusterId)).toHaveLength(indexedBefore);
  // exactly the batches reported committed were written under the old term, the refused one was not
  const audit = await pool.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM portico.fenced_writes WHERE cluster_id = $1 AND term = $2 AND action = $3',
    [leader.clusterId, leader.fence.term, 'scan-batch'],
  );
  expect(audit.rows[0]!.n).toBe(committed);

  const resumed = await scannerFor(leader, root).runScan(successor!, SETTINGS);
  expect(resumed).toMatchObject({ state: 'completed', resumed: true });
  const log = await sinkLog(leader.clusterId);
  expect(log).toHaveLength(300);
  expect(new Set(log.map((entry) => entry.path)).size).toBe(300);
  expect(Object.keys(await indexOf(leader.clusterId))).toHaveLength(300);
});

it('resume: an interrupted scan continues under a new term; each file reaches the index and the sink exactly once', async () => {
  const leader = await newCluster();
  const files: Record<string, number> = {};
  for (let index = 0; index < 600; index++) files[`d${index % 12}/s${index % 5}/f${index}.mov`] = index % 7;
  for (let index = 0; index < 250; index++) files[`huge/h${index}.mov`] = 1;
  const root = storage(files);
  const controller = new AbortController();
  const first = await scannerFor(leader, root).runScan(leader.fence, {
    ...SETTINGS,
    batchEntries: 60,
    chunkEntries: 100,
    signal: controller.signal,
    onBatch: (progress) => {
      if (progress.processed >= 300) controller.abort();
    },
  });
  expect(first.state).toBe('interrupted');
  const partial = Object.keys(await indexOf(leader.clusterId)).length;
  expect(partial).toBeGreaterThanOrEqual(300);
  expect(partial).toBeLessThan(850);
  const midway = await scannerFor(leader, root).readProgress(leader.clusterId);
  expect(midway).toMatchObject({ runId: first.runId, state: 'running', processed: partial });
  expect(midway!.foldersLeft).toBeGreaterThan(0);

  const successor = await lead(leader.leases, leader.clusterId, leader.fence);
  const second = await scannerFor(leader, root).runScan(successor, {
    ...SETTINGS,
    batchEntries: 60,
    chunkEntries: 100,
  });
  expect(second).toMatchObject({ state: 'completed', resumed: true, runId: first.runId });
  expect(second.totals.filesListed).toBeGreaterThanOrEqual(850);

  const index = await indexOf(leader.clusterId);
  expect(Object.keys(index)).toHaveLength(850);
  const log = await sinkLog(leader.clusterId);
  expect(log).toHaveLength(850);
  expect(new Set(log.map((entry) => entry.path)).size).toBe(850);
  expect(Object.keys(index).sort()).toEqual(log.map((entry) => entry.path).sort());

  // the big folder (listed in chunks) still detects a removal
  await clearSink(leader.clusterId);
  unlinkSync(path.join(root, 'huge/h17.mov'));
  const third = await scannerFor(leader, root).runScan(successor, { ...SETTINGS, chunkEntries: 100 });
  expect(third.totals.filesRemoved).toBe(1);
  expect(await sinkLog(leader.clusterId)).toEqual([
    expect.objectContaining({ kind: 'remove', path: 'huge/h17.mov' }),
  ]);
});

it('deleting a cluster forgets its file index', async () => {
  const leader = await newCluster();
  const root = storage({ 'a.mov': 1, 'b/c.mov': 2 });
  await scannerFor(leader, root).runScan(leader.fence, SETTINGS);
  expect(Object.keys(await indexOf(leader.clusterId))).toHaveLength(2);
  await pool.query('DELETE FROM portico.clusters WHERE id = $1', [leader.clusterId]);
  expect(await indexOf(leader.clusterId)).toEqual({});
  const { rows } = await pool.query(
    'SELECT count(*)::int AS n FROM portico.scan_folders WHERE cluster_id = $1',
    [leader.clusterId],
  );
  expect(rows[0]).toEqual({ n: 0 });
});

/** Runs one scan in a child process (optionally as another user), with the same fence context. */
async function scanInChild(
  root: string,
  fence: FenceContext,
  user: { uid: number; gid: number },
): Promise<ScanResult> {
  const loader = path.resolve(__dirname, '../../../../storage/src/walk/walk-loader.cjs');
  const code = `
    const { loadFile } = require(${JSON.stringify(loader)});
    const { Scanner } = loadFile(${JSON.stringify(path.join(__dirname, 'scanner.ts'))});
    const { ScanSink } = loadFile(${JSON.stringify(path.join(__dirname, 'scan-sink.ts'))});
    const { createPool } = loadFile(${JSON.stringify(path.resolve(__dirname, '../../../../db/src/index.ts'))});
    const { FileStorageSentinel, ThreadStorageWalker } = loadFile(${JSON.stringify(path.resolve(__dirname, '../../../../storage/src/index.ts'))});
    const [url, root, fence, settings] = JSON.parse(process.argv[1]);
    class Sink extends ScanSink {
      async apply(client, changes) {
        await client.query(
          'INSERT INTO public.sink_log (cluster_id, kind, path) SELECT $1, u.kind, u.path FROM unnest($2::text[], $3::text[]) AS u(kind, path)',
          [fence.clusterId, changes.map((c) => c.kind), changes.map((c) => c.kind === 'move' ? c.to : c.path)]);
      }
    }
    const pool = createPool(url, { max: 4 });
    new Scanner({ pool, walker: new ThreadStorageWalker(), sentinel: new FileStorageSentinel(), sink: new Sink(), root })
      .runScan(fence, settings)
      .then((result) => { process.stdout.write(JSON.stringify(result)); return pool.end(); })
      .catch((error) => { process.stderr.write(String(error && error.stack || error)); process.exit(1); });`;
  const child = spawn(process.execPath, ['-e', code, JSON.stringify([db.url, root, fence, SETTINGS])], {
    uid: user.uid,
    gid: user.gid,
    cwd: '/',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (data: Buffer) => (stdout += data.toString()));
  child.stderr.on('data', (data: Buffer) => (stderr += data.toString()));
  const exit = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (exit !== 0) throw new Error(`scanner child exited with ${exit}: ${stderr}`);
  return JSON.parse(stdout) as ScanResult;
}
