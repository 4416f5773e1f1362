import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CatalogRepository } from '@portico/catalog';
import { createBoss, createPool, type PgBoss } from '@portico/db';
import { checksumFileJob, queueName } from '@portico/jobs-contracts';
import { JobProducer } from '@portico/jobs-runtime';
import {
  createNodeIdentity,
  harness,
  nodeEnv,
  startControlPlane,
  startNode,
  useTestDatabase,
  waitFor,
  type ControlPlaneHandle,
  type NodeHandle,
} from '@portico/testing';
import type { Pool } from 'pg';

// SPEC 2.2 / 4: a worker SIGKILLed in the middle of a job. Its lease runs out, the leader re-queues
// the job, another CHECKSUM node runs it within visibility_timeout + 2 s, and its effect (the
// recorded checksum) lands exactly once: the dead worker's attempt never committed anything.
const VISIBILITY_SECONDS = 10;
const db = useTestDatabase();
let scratch: string;
let storage: string;
let controlPlane: ControlPlaneHandle;
let pool: Pool;
let boss: PgBoss;
const nodes: NodeHandle[] = [];

beforeAll(async () => {
  scratch = mkdtempSync(path.join(tmpdir(), 'portico-worker-kill-'));
  chmodSync(scratch, 0o755);
  storage = path.join(scratch, 'storage');
  mkdirSync(storage);
  controlPlane = await startControlPlane({ databaseUrl: db.url });
  pool = createPool(db.url, { max: 4 });
  boss = createBoss(db.url, { supervise: false, schedule: false, max: 4 });
  boss.on('error', () => undefined);
  await boss.start();
});

afterAll(async () => {
  await Promise.all(nodes.map((node) => node.process.stop()));
  await controlPlane?.process.stop();
  await boss?.stop({ graceful: false, timeout: 5_000 });
  await pool?.end();
  rmSync(scratch, { recursive: true, force: true });
});

async function node(app: string, clusterId: string, name: string, roles: Array<'MAIN' | 'CHECKSUM'>) {
  const identity = await createNodeIdentity(controlPlane.admin, clusterId, name, roles);
  const handle = await startNode(
    app,
    name,
    identity.node.id,
    nodeEnv({
      controlPlaneUrl: controlPlane.url,
      databaseUrl: db.url,
      identity,
      mountPoint: storage,
      extra: { PORTICO_REDIS_URL: harness().redisUrl },
    }),
  );
  nodes.push(handle);
  return handle;
}

/** Adds the nodes' last output and the job's rows to a failure, so the reason is in the test report. */
async function withOutput<T>(
  watched: readonly NodeHandle[],
  jobId: string,
  check: () => Promise<T>,
): Promise<T> {
  try {
    return await check();
  } catch (error) {
    const job = await pool
      .query(
        'SELECT name, state, retry_count, started_on, heartbeat_on, start_after FROM pgboss.job WHERE id = $1',
        [jobId],
      )
      .then(
        (result) => JSON.stringify(result.rows),
        (failure: unknown) => String(failure),
      );
    const attempts = await pool.query('SELECT * FROM portico.job_attempts WHERE job_id = $1', [jobId]).then(
      (result) => JSON.stringify(result.rows),
      (failure: unknown) => String(failure),
    );
    throw new Error(
      [
        error instanceof Error ? error.message : String(error),
        `job: ${job}`,
        `attempts: ${attempts}`,
        ...watched.map((node) => `${node.name}:\n${node.process.output()}`),
      ].join('\n'),
    );
  }
}

it('re-runs a job of a SIGKILLed worker on another node within visibility_timeout + 2 s, with exactly one effect', async () => {
  const cluster = await controlPlane.admin.createCluster({
    name: 'worker-kill',
    settings: {
      visibility_timeout: VISIBILITY_SECONDS,
      checksum_max_workers: 1,
      // Three digests of 4 GiB take several seconds even page-cached: long enough to kill the
      // worker in the middle of it.
      checksum_algorithms: ['md5', 'sha1', 'sha256'],
    },
  });
  // The leader's scan leaves the file alone: the test ingests it and sends its one checksum job,
  // which a scan's own checksum job would otherwise compete with for the worker's single slot.
  const storageRow = await controlPlane.admin.createStorage(cluster.id, {
    name: 'nas',
    ignorePatterns: ['big.mov'],
  });
  // A sparse 4 GiB file: created at once, and hashing it is CPU-bound (~10 s here for three
  // digests), so the job is reliably still running when the worker is killed.
  const file = path.join(storage, 'big.mov');
  execFileSync('truncate', ['-s', '4G', file]);
  const stats = statSync(file);

  const leader = await node('coordinator', cluster.id, 'leader', ['MAIN']);
  const first = await node('checksum-worker', cluster.id, 'checksum-a', ['CHECKSUM']);

  const catalog = new CatalogRepository();
  const ingested = await catalog.ingest(pool, cluster.id, storageRow.id, {
    path: 'big.mov',
    size: stats.size,
    mtime: stats.mtime,
    inode: stats.ino,
  });
  const jobId = await new JobProducer(boss).send(checksumFileJob, cluster.id, {
    files: [
      {
        fileId: ingested.fileId,
        assetId: ingested.assetId,
        path: 'big.mov',
        size: stats.size,
        mtimeMs: Math.trunc(stats.mtimeMs),
      },
    ],
    algorithms: ['md5', 'sha1', 'sha256'],
  });
  expect(jobId).not.toBeNull();

  // The first worker has leased the job and is hashing (it reports progress).
  await withOutput([first], jobId!, () =>
    waitFor(
      async () => {
        const { rows } = await pool.query<{ progress: { bytes?: number } | null }>(
          `SELECT progress FROM portico.job_attempts WHERE job_id = $1 AND node_id = $2 AND state = 'active'`,
          [jobId, first.nodeId],
        );
        return (rows[0]?.progress?.bytes ?? 0) > 0;
      },
      { description: 'the first worker hashing with progress', timeoutMs: 60_000 },
    ),
  );
  const killedAt = Date.now();
  await first.process.stop('SIGKILL');
  const second = await node('checksum-worker', cluster.id, 'checksum-b', ['CHECKSUM']);

  const taken = await withOutput([leader, second], jobId!, () =>
    waitFor(
      async () => {
        const { rows } = await pool.query<{ started_at: Date }>(
          `SELECT started_at FROM portico.job_attempts WHERE job_id = $1 AND node_id = $2`,
          [jobId, second.nodeId],
        );
        return rows[0]?.started_at;
      },
      // Generous: the figure that matters is the takeover time asserted below, not this wait.
      { description: 'the job running on the second worker', timeoutMs: (VISIBILITY_SECONDS + 50) * 1000 },
    ),
  );
  const takeoverMs = taken.getTime() - killedAt;
  process.stderr.write(
    `[e2e] worker SIGKILL -> job running on another node after ${takeoverMs} ms (visibility ${VISIBILITY_SECONDS} s)\n`,
  );
  await withOutput([leader, second], jobId!, () => {
    expect(takeoverMs).toBeLessThanOrEqual((VISIBILITY_SECONDS + 2) * 1000);
    return Promise.resolve();
  });

  await waitFor(
    async () =>
      (await boss.getJobById(queueName(cluster.id, checksumFileJob.name), jobId!))?.state === 'completed',
    {
      description: 'the checksum job completed',
      timeoutMs: 120_000,
    },
  );
  const { rows: attempts } = await pool.query<{ node_id: string; state: string }>(
    'SELECT node_id, state FROM portico.job_attempts WHERE job_id = $1 ORDER BY started_at',
    [jobId],
  );
  expect(attempts).toEqual([
    { node_id: first.nodeId, state: 'expired' },
    { node_id: second.nodeId, state: 'completed' },
  ]);
  const recorded = await catalog.getFile(pool, ingested.fileId, cluster.id);
  const expected = execFileSync('sha256sum', [file]).toString().split(' ')[0];
  expect(recorded?.checksums.sha256).toBe(expected);
  // Exactly one effect: one checksummed file, and the transcodes it started enqueued once.
  const { rows: transcodes } = await pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pgboss.job WHERE name = $1`,
    [queueName(cluster.id, 'transcode.asset')],
  );
  expect(transcodes[0]!.n).toBe(3);
});
