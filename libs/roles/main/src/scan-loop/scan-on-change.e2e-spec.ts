// The leader scans soon after the storage changes, not only on its interval: a real coordinator
// (the built app) with scan_interval_seconds = 3600 picks up a folder of files moved into its
// storage with one rename, in one scan that respects the floor (no sooner after the last scan's
// end than that scan took), and the health check's probes in .portico/ never start a scan.
import {
  type FSWatcher,
  chmodSync,
  mkdirSync,
  mkdtempSync,
  renameSync,
  rmSync,
  watch,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createPool } from '@portico/db';
import {
  type ControlPlaneHandle,
  createNodeIdentity,
  type NodeHandle,
  nodeEnv,
  startControlPlane,
  startNode,
  useTestDatabase,
  waitFor,
} from '@portico/testing';
import type { Pool } from 'pg';

const FOLDERS = 2;
const FILES_PER_FOLDER = 100;

const db = useTestDatabase();
let scratch: string;
let controlPlane: ControlPlaneHandle;
let pool: Pool;
let node: NodeHandle | undefined;
let probes: FSWatcher | undefined;

beforeAll(async () => {
  scratch = mkdtempSync(path.join(tmpdir(), 'portico-scan-on-change-'));
  chmodSync(scratch, 0o755);
  mkdirSync(path.join(scratch, 'storage'));
  controlPlane = await startControlPlane({ databaseUrl: db.url });
  pool = createPool(db.url, { max: 2 });
});

afterAll(async () => {
  probes?.close();
  await node?.process.stop('SIGKILL');
  await controlPlane?.process.stop('SIGKILL');
  await pool?.end();
  rmSync(scratch, { recursive: true, force: true });
});

interface Run {
  state: string;
  filesListed: number;
  startedMs: number;
  finishedMs: number | null;
}

async function runs(clusterId: string): Promise<Run[]> {
  const { rows } = await pool.query<Run>(
    `SELECT state, files_listed::int AS "filesListed",
            (extract(epoch FROM started_at) * 1000)::float8 AS "startedMs",
            (extract(epoch FROM finished_at) * 1000)::float8 AS "finishedMs"
       FROM portico.scan_runs WHERE cluster_id = $1 ORDER BY id`,
    [clusterId],
  );
  return rows;
}

async function withOutput<T>(check: () => Promise<T>): Promise<T> {
  try {
    return await check();
  } catch (error) {
    const output = node ? `\ncoordinator:\n${node.process.output()}` : '';
    throw new Error(`${error instanceof Error ? error.message : String(error)}${output}`);
  }
}

it('scans a folder renamed into the storage within seconds, with an interval of an hour', async () => {
  const cluster = await controlPlane.admin.createCluster({
    name: 'scan-on-change',
    settings: { scan_interval_seconds: 3600, growing_files_threshold_seconds: 0 },
  });
  await controlPlane.admin.createStorage(cluster.id, { name: 'nas' });
  const storage = path.join(scratch, 'storage');
  const staging = path.join(scratch, 'staging', 'incoming');
  for (let folder = 0; folder < FOLDERS; folder++) {
    mkdirSync(path.join(staging, `d${folder}`), { recursive: true });
    for (let file = 0; file < FILES_PER_FOLDER; file++)
      writeFileSync(path.join(staging, `d${folder}`, `f${file}.bin`), `${folder}/${file}`);
  }

  const identity = await createNodeIdentity(controlPlane.admin, cluster.id, 'main-1', ['MAIN']);
  node = await startNode(
    'coordinator',
    'main-1',
    identity.node.id,
    nodeEnv({ controlPlaneUrl: controlPlane.url, databaseUrl: db.url, identity, mountPoint: storage }),
  );
  const first = await withOutput(() =>
    waitFor(async () => (await runs(cluster.id)).find((run) => run.state === 'completed'), {
      description: 'the first scan of the empty storage',
      timeoutMs: 60_000,
      intervalMs: 50,
    }),
  );
  await withOutput(() => node!.process.waitForLine(/watching the storage for changes/, 10_000));

  // The health check writes a probe under .portico/ every 2 s: three of them start no scan.
  const written = new Set<string>();
  probes = watch(path.join(storage, '.portico'), (_event, name) => {
    if (name?.startsWith('health-probe-')) written.add(name);
  });
  await waitFor(() => written.size >= 3, { description: 'three health probes', timeoutMs: 20_000 });
  expect((await runs(cluster.id)).length).toBe(1);

  const { rows } = await pool.query<{ ms: number }>(
    'SELECT (extract(epoch FROM clock_timestamp()) * 1000)::float8 AS ms',
  );
  renameSync(staging, path.join(storage, 'incoming'));
  const renamedMs = rows[0]!.ms;

  const second = await withOutput(() =>
    waitFor(
      async () => {
        const all = await runs(cluster.id);
        return all.length >= 2 && all[1]!.state === 'completed' ? all[1] : undefined;
      },
      {
        description: 'a scan of the renamed folder (the interval is an hour)',
        timeoutMs: 30_000,
        intervalMs: 50,
      },
    ),
  );
  expect(second.filesListed).toBe(FOLDERS * FILES_PER_FOLDER);
  // The floor: no sooner after the first scan's end than the first scan took.
  const firstDuration = first.finishedMs! - first.startedMs;
  expect(second.startedMs - first.finishedMs!).toBeGreaterThanOrEqual(firstDuration);
  expect(second.startedMs).toBeGreaterThan(renamedMs);

  // One rename, one scan: the probes that follow start none either.
  const seen = written.size;
  await waitFor(() => written.size >= seen + 2, { description: 'two more health probes', timeoutMs: 20_000 });
  expect((await runs(cluster.id)).length).toBe(2);

  // A clean stop releases the watch with the rest: nothing keeps the process alive.
  expect(await node.process.stop('SIGTERM', 20_000)).toEqual({ code: 0, signal: null });
});
