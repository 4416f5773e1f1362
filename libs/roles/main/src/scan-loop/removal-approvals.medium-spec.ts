// Operators' approvals of held removals, end to end: real trees in temp folders, the real scanner
// (worker-thread walker, file sentinel), the built control plane recording approvals through its
// API, real PostgreSQL through pgBouncer (transaction mode) and a real leader lease for the fence.
// Each applyOpen() call is one round of the leader's scan loop.
import { randomUUID } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type FenceContext, LeaseRepository, StaleTermError } from '@portico/cluster';
import type { ControlPlaneClient, Storage } from '@portico/control-plane-client';
import { createPool } from '@portico/db';
import { FileStorageSentinel, ThreadStorageWalker } from '@portico/storage';
import { type ControlPlaneHandle, rejectionOf, startControlPlane, useTestDatabase } from '@portico/testing';
import type { Pool, PoolClient } from 'pg';

import { type RunScanOptions, Scanner } from '../scan/scanner';
import { type ScanChange, ScanSink } from '../scan/scan-sink';
import { RemovalApprovals } from './removal-approvals';

const db = useTestDatabase();
let server: ControlPlaneHandle;
let admin: ControlPlaneClient;
let pool: Pool;
const roots: string[] = [];
const SETTINGS: RunScanOptions = {
  concurrency: 2,
  ignorePatterns: ['.portico'],
  growingThresholdSeconds: 0,
  maxDeletionsPerScan: 1000,
};

/** Records the removals it is handed, in the scanner's transaction (a refused write leaves none). */
class TableSink extends ScanSink {
  constructor(private readonly clusterId: string) {
    super();
  }

  async apply(client: PoolClient, changes: readonly ScanChange[]): Promise<void> {
    const removed = changes.filter((change) => change.kind === 'remove').map((change) => change.path);
    await client.query(`INSERT INTO public.removed_log (cluster_id, path) SELECT $1, unnest($2::text[])`, [
      this.clusterId,
      removed,
    ]);
  }
}

interface LogLine {
  level: 'info' | 'warn';
  fields: Record<string, unknown>;
  message: string;
}

interface Leader {
  clusterId: string;
  storage: Storage;
  fence: FenceContext;
  leases: LeaseRepository;
  root: string;
  scanner: Scanner;
  approvals: RemovalApprovals;
  logs: LogLine[];
  /** What the storage health check says now (null: up). */
  health: { problem: string | null };
}

beforeAll(async () => {
  server = await startControlPlane({ databaseUrl: db.url, env: { PORTICO_HTTP_HOST: '127.0.0.1' } });
  admin = server.admin;
  pool = createPool(db.url, { max: 8 });
  await pool.query(`CREATE TABLE public.removed_log (
    id bigserial PRIMARY KEY, cluster_id uuid NOT NULL, path text NOT NULL)`);
});

afterAll(async () => {
  await server?.process.stop();
  await pool?.end();
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

/** A cluster and its storage made through the API, a tree on disk, this worker holding the lease. */
async function newLeader(files: Record<string, number>): Promise<Leader> {
  const cluster = await admin.createCluster({ name: `approvals-${randomUUID().slice(0, 8)}` });
  const storage = await admin.createStorage(cluster.id, { name: 'nas' });
  const leases = new LeaseRepository(pool, { requestTimeoutMs: 2000 });
  const fence = await lead(leases, cluster.id);
  const root = mkdtempSync(path.join(tmpdir(), 'portico-approvals-'));
  roots.push(root);
  chmodSync(root, 0o755);
  write(root, files);
  const scanner = new Scanner({
    pool,
    walker: new ThreadStorageWalker(),
    sentinel: new FileStorageSentinel(),
    sink: new TableSink(cluster.id),
    root,
  });
  const logs: LogLine[] = [];
  const health = { problem: null as string | null };
  const approvals = new RemovalApprovals({
    pool,
    scanner,
    storageProblem: () => health.problem,
    logger: {
      info: (fields, message) =>
        logs.push({ level: 'info', fields: fields as Record<string, unknown>, message }),
      warn: (fields, message) =>
        logs.push({ level: 'warn', fields: fields as Record<string, unknown>, message }),
    },
  });
  return { clusterId: cluster.id, storage, fence, leases, root, scanner, approvals, logs, health };
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

function write(root: string, files: Record<string, number>): void {
  for (const [rel, size] of Object.entries(files)) {
    const abs = path.join(root, rel);
    mkdirSync(path.dirname(abs), { recursive: true });
    writeFileSync(abs, Buffer.alloc(size, 1));
  }
}

async function removedLog(clusterId: string): Promise<string[]> {
  const { rows } = await pool.query<{ path: string }>(
    'SELECT path FROM public.removed_log WHERE cluster_id = $1 ORDER BY id',
    [clusterId],
  );
  return rows.map((row) => row.path);
}

async function indexed(clusterId: string): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM portico.scan_files WHERE cluster_id = $1',
    [clusterId],
  );
  return rows[0]!.n;
}

async function pending(leader: Leader) {
  return admin.listRemovals(leader.clusterId, leader.storage.id, { limit: 5 });
}

it('5,000 removals above a cap of 1,000: none applied; approved through the API, the leader applies all of them on its next round', async () => {
  const files: Record<string, number> = { 'keep/k.mov': 1 };
  for (let index = 0; index < 5000; index++) files[`bulk/${index % 10}/f${index}.mov`] = 1;
  const leader = await newLeader(files);
  await leader.scanner.runScan(leader.fence, { ...SETTINGS, batchEntries: 2000 });
  expect(await indexed(leader.clusterId)).toBe(5001);

  rmSync(path.join(leader.root, 'bulk'), { recursive: true });
  const held = await leader.scanner.runScan(leader.fence, SETTINGS);
  expect(held.warnings.map((warning) => warning.kind)).toEqual(['removals-held']);
  expect(held.totals).toMatchObject({ filesRemoved: 0, removalsHeld: 5000 });
  expect(await removedLog(leader.clusterId)).toEqual([]);
  const before = await pending(leader);
  expect(before.pending).toBe(5000);
  expect(before.items.map((item) => item.path)).toEqual([
    'bulk/0/f0.mov',
    'bulk/0/f10.mov',
    'bulk/0/f100.mov',
    'bulk/0/f1000.mov',
    'bulk/0/f1010.mov',
  ]);
  expect((await admin.clusterStatus(leader.clusterId)).storages[0]).toMatchObject({
    pendingRemovals: 5000,
    scan: { state: 'idle', processed: 1 },
  });

  // a round without an approval applies nothing
  expect(await leader.approvals.applyOpen(leader.fence)).toEqual([]);
  expect((await pending(leader)).pending).toBe(5000);

  const approval = await admin.approveRemovals(leader.clusterId, leader.storage.id, { all: true });
  expect(approval).toMatchObject({ state: 'pending', pendingAtRequest: 5000, requestedBy: 'admin' });
  expect((await pending(leader)).pending).toBe(5000);

  // the next round of the leader's loop applies it
  expect(await leader.approvals.applyOpen(leader.fence)).toEqual([
    { id: approval.id, state: 'applied', removed: 5000, cancelled: 0, kept: 0 },
  ]);
  const after = await pending(leader);
  expect(after.pending).toBe(0);
  expect(after.items).toEqual([]);
  expect(after.approvals[0]).toMatchObject({
    id: approval.id,
    state: 'applied',
    appliedTerm: leader.fence.term,
    appliedBy: leader.fence.nodeId,
    removed: 5000,
    cancelled: 0,
    kept: 0,
    waitingReason: null,
  });
  expect(after.approvals[0]!.appliedAt).not.toBeNull();
  expect(await indexed(leader.clusterId)).toBe(1);
  const removed = await removedLog(leader.clusterId);
  expect(removed).toHaveLength(5000);
  expect(new Set(removed).size).toBe(5000);

  // audited: the log line says who approved, when and how many; the fenced writes name the approval
  expect(leader.logs).toContainEqual({
    level: 'info',
    message: 'approved removals applied',
    fields: expect.objectContaining({
      approvalId: approval.id,
      requestedBy: 'admin',
      requestedAt: approval.requestedAt,
      removed: 5000,
      term: leader.fence.term,
    }) as Record<string, unknown>,
  });
  const audit = await pool.query<{ action: string; n: number }>(
    `SELECT action, count(*)::int AS n FROM portico.fenced_writes
      WHERE cluster_id = $1 AND subject = $2 GROUP BY action ORDER BY action`,
    [leader.clusterId, `approval ${approval.id}`],
  );
  // One fenced write per page of 1,000 removals, and the approval's own.
  expect(audit.rows).toEqual([
    { action: 'removal-approval-applied', n: 1 },
    { action: 'scan-approve-removals', n: 5 },
  ]);
  expect(await leader.approvals.applyOpen(leader.fence)).toEqual([]);
});

it('an approval while the sentinel is missing (or the storage unhealthy) is not applied: it waits, says why, and is applied once the storage is back', async () => {
  const leader = await newLeader({ 'a/1.mov': 1, 'a/2.mov': 1, 'a/3.mov': 1, 'b/4.mov': 1 });
  const capped = { ...SETTINGS, maxDeletionsPerScan: 2 };
  await leader.scanner.runScan(leader.fence, capped);
  rmSync(path.join(leader.root, 'a'), { recursive: true });
  await leader.scanner.runScan(leader.fence, capped);
  expect((await pending(leader)).pending).toBe(3);
  const approval = await admin.approveRemovals(leader.clusterId, leader.storage.id, { all: true });

  const sentinel = path.join(leader.root, '.portico/storage-id');
  renameSync(sentinel, `${sentinel}.away`);
  const [waiting] = await leader.approvals.applyOpen(leader.fence);
  expect(waiting).toMatchObject({ id: approval.id, state: 'waiting' });
  const reason = (waiting as { reason: string }).reason;
  expect(reason).toContain(`the storage at ${leader.root} does not look mounted (sentinel missing)`);
  const listed = await pending(leader);
  expect(listed.pending).toBe(3);
  expect(listed.approvals[0]).toMatchObject({ id: approval.id, state: 'pending', waitingReason: reason });
  expect(listed.approvals[0]!.waitingSince).not.toBeNull();
  expect((await admin.clusterStatus(leader.clusterId)).storages[0]).toMatchObject({
    pendingRemovals: 3,
    approvalsWaiting: 1,
    warnings: [
      expect.stringContaining('3 files are missing, more than max_deletions_per_scan (2)') as string,
      `an approval of removals waits: ${reason}`,
    ],
  });
  expect(await removedLog(leader.clusterId)).toEqual([]);
  expect(await indexed(leader.clusterId)).toBe(4);
  const warnings = () => leader.logs.filter((line) => line.level === 'warn').map((line) => line.message);
  expect(warnings()).toEqual([`approved removals not applied: ${reason}`]);
  // the next rounds keep it waiting without repeating the warning
  await leader.approvals.applyOpen(leader.fence);
  expect(warnings()).toHaveLength(1);

  // the sentinel is back but the storage health check fails: still waiting, for that reason
  renameSync(`${sentinel}.away`, sentinel);
  leader.health.problem = `cannot write ${leader.root}/.portico/probe: EIO`;
  expect(await leader.approvals.applyOpen(leader.fence)).toEqual([
    {
      id: approval.id,
      state: 'waiting',
      reason: `the storage health check fails (cannot write ${leader.root}/.portico/probe: EIO); the approval is applied once it passes again`,
    },
  ]);
  expect((await pending(leader)).pending).toBe(3);
  expect(warnings()).toHaveLength(2);

  leader.health.problem = null;
  expect(await leader.approvals.applyOpen(leader.fence)).toEqual([
    { id: approval.id, state: 'applied', removed: 3, cancelled: 0, kept: 0 },
  ]);
  const done = await pending(leader);
  expect(done.pending).toBe(0);
  expect(done.approvals[0]).toMatchObject({ state: 'applied', waitingReason: null, removed: 3 });
  expect((await removedLog(leader.clusterId)).sort()).toEqual(['a/1.mov', 'a/2.mov', 'a/3.mov']);
  expect((await admin.clusterStatus(leader.clusterId)).storages[0]!.warnings).toEqual([]);
});

it('"all" covers the removals held when it was approved, not those a later scan holds; named paths only those', async () => {
  const leader = await newLeader({
    'a/1.mov': 1,
    'a/2.mov': 1,
    'a/3.mov': 1,
    'b/4.mov': 1,
    'b/5.mov': 1,
    'b/6.mov': 1,
    'c/7.mov': 1,
  });
  const capped = { ...SETTINGS, maxDeletionsPerScan: 2 };
  await leader.scanner.runScan(leader.fence, capped);
  rmSync(path.join(leader.root, 'a'), { recursive: true });
  await leader.scanner.runScan(leader.fence, capped);
  const all = await admin.approveRemovals(leader.clusterId, leader.storage.id, { all: true });

  // before the leader gets to it, a scan holds three more
  rmSync(path.join(leader.root, 'b'), { recursive: true });
  await leader.scanner.runScan(leader.fence, capped);
  expect((await pending(leader)).pending).toBe(6);
  // one of the first ones comes back: it is spared
  write(leader.root, { 'a/2.mov': 1 });
  expect(await leader.approvals.applyOpen(leader.fence)).toEqual([
    { id: all.id, state: 'applied', removed: 2, cancelled: 1, kept: 0 },
  ]);
  const left = await admin.listRemovals(leader.clusterId, leader.storage.id);
  expect(left.items.map((item) => item.path)).toEqual(['b/4.mov', 'b/5.mov', 'b/6.mov']);

  const named = await admin.approveRemovals(leader.clusterId, leader.storage.id, { paths: ['b/5.mov'] });
  expect(await leader.approvals.applyOpen(leader.fence)).toEqual([
    { id: named.id, state: 'applied', removed: 1, cancelled: 0, kept: 0 },
  ]);
  expect(
    (await admin.listRemovals(leader.clusterId, leader.storage.id)).items.map((item) => item.path),
  ).toEqual(['b/4.mov', 'b/6.mov']);
  expect((await removedLog(leader.clusterId)).sort()).toEqual(['a/1.mov', 'a/3.mov', 'b/5.mov']);
});

it('a deposed leader applies nothing; the new leader applies the approval', async () => {
  const leader = await newLeader({ 'a/1.mov': 1, 'a/2.mov': 1, 'b/3.mov': 1 });
  const capped = { ...SETTINGS, maxDeletionsPerScan: 1 };
  await leader.scanner.runScan(leader.fence, capped);
  rmSync(path.join(leader.root, 'a'), { recursive: true });
  await leader.scanner.runScan(leader.fence, capped);
  const approval = await admin.approveRemovals(leader.clusterId, leader.storage.id, { all: true });

  const successor = await lead(leader.leases, leader.clusterId, leader.fence);
  const refused = await rejectionOf(leader.approvals.applyOpen(leader.fence), StaleTermError);
  expect(refused.currentTerm).toBe(successor.term);
  const still = await pending(leader);
  expect(still.pending).toBe(2);
  expect(still.approvals[0]).toMatchObject({ id: approval.id, state: 'pending', removed: 0 });
  expect(await removedLog(leader.clusterId)).toEqual([]);

  expect(await leader.approvals.applyOpen(successor)).toEqual([
    { id: approval.id, state: 'applied', removed: 2, cancelled: 0, kept: 0 },
  ]);
  expect((await pending(leader)).approvals[0]).toMatchObject({ appliedTerm: successor.term, removed: 2 });
});
