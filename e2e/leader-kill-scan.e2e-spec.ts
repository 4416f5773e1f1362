import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { checksumFileJob, queueName } from '@portico/jobs-contracts';
import {
  createNodeIdentity,
  nodeEnv,
  startControlPlane,
  startNode,
  useTestDatabase,
  waitFor,
  type ControlPlaneHandle,
  type NodeHandle,
} from '@portico/testing';

// SPEC 2.1 + 2.5: the leader is SIGKILLed in the middle of a first scan. The follower takes over
// with the next term, claims the same scan run and continues it from its checkpoint (the folders
// still pending), and when the scan completes every file is in the catalogue once, with one asset
// and one checksum job. No CHECKSUM node runs, so every job stays in pgboss.job to be counted.
//
// PORTICO_E2E_FULL=1 scans 200,000 files; the default size keeps the test well under two minutes.
const FULL = process.env.PORTICO_E2E_FULL === '1';
const FILES = FULL ? 200_000 : 30_000;
/** Small folders: each is listed in one chunk, so the checkpoint lists every file exactly once. */
const FILES_PER_FOLDER = 100;
/** The leader is killed once the run has committed this many files (a quarter of the tree). */
const KILL_AFTER_FILES = FILES / 4;

const db = useTestDatabase();
let scratch: string;
let storage: string;
let controlPlane: ControlPlaneHandle;
let sql: Client;
const nodes: NodeHandle[] = [];

beforeAll(async () => {
  scratch = mkdtempSync(path.join(tmpdir(), 'portico-leader-kill-scan-'));
  chmodSync(scratch, 0o755);
  storage = path.join(scratch, 'storage');
  mkdirSync(storage);
  controlPlane = await startControlPlane({ databaseUrl: db.url });
  sql = new Client({ connectionString: db.directUrl });
  // The harness drops the database (terminating sessions) when the file ends.
  sql.on('error', () => undefined);
  await sql.connect();
});

afterAll(async () => {
  await Promise.all(nodes.map((node) => node.process.stop('SIGKILL')));
  await controlPlane?.process.stop('SIGKILL');
  await sql?.end();
  rmSync(scratch, { recursive: true, force: true });
});

/** The tree's relative paths: t<a>/m<b>/l<c>/f<i>.mov, 100 files per leaf folder, three levels. */
function treePaths(count: number): string[] {
  const paths: string[] = [];
  for (let n = 0; n < count; n++) {
    const leaf = Math.floor(n / FILES_PER_FOLDER);
    const top = String(Math.floor(leaf / 100)).padStart(3, '0');
    const middle = Math.floor(leaf / 10) % 10;
    paths.push(`t${top}/m${middle}/l${leaf % 10}/f${String(n % FILES_PER_FOLDER).padStart(3, '0')}.mov`);
  }
  return paths;
}

function writeTree(root: string, paths: readonly string[]): void {
  let folder = '';
  for (const rel of paths) {
    const dir = path.dirname(rel);
    if (dir !== folder) {
      mkdirSync(path.join(root, dir), { recursive: true });
      folder = dir;
    }
    // Never zero bytes: an empty file is registered without a checksum job.
    writeFileSync(path.join(root, rel), rel);
  }
}

/** Peak and current resident set of a process in MiB (Linux /proc), for the figures. */
function memoryMiB(pid: number): { peak: number; now: number } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (field: string) =>
      Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { peak: Math.round(kib('VmHWM') / 1024), now: Math.round(kib('VmRSS') / 1024) };
  } catch {
    return null;
  }
}

function formatMemory(memory: { peak: number; now: number } | null): string {
  return memory ? `peak RSS ${memory.peak} MiB, RSS ${memory.now} MiB` : 'RSS unavailable';
}

async function coordinator(clusterId: string, name: string): Promise<NodeHandle> {
  const identity = await createNodeIdentity(controlPlane.admin, clusterId, name, ['MAIN']);
  const handle = await startNode(
    'coordinator',
    name,
    identity.node.id,
    nodeEnv({ controlPlaneUrl: controlPlane.url, databaseUrl: db.url, identity, mountPoint: storage }),
  );
  nodes.push(handle);
  return handle;
}

/** Adds the nodes' last output to a failure, so the reason is in the test report. */
async function withOutput<T>(check: () => Promise<T>): Promise<T> {
  try {
    return await check();
  } catch (error) {
    const output = nodes.map((node) => `${node.name}:\n${node.process.output()}`).join('\n');
    throw new Error(`${error instanceof Error ? error.message : String(error)}\n${output}`);
  }
}

/** The node's first structured log line with this message that satisfies `accept`. */
function logLine(node: NodeHandle, msg: string, accept: (line: Record<string, unknown>) => boolean) {
  return node.process.logs().find((line) => line.msg === msg && accept(line));
}

/** The cluster's live lease (database clock), as the election wrote it. */
async function currentLease(clusterId: string): Promise<{ term: number; nodeId: string } | undefined> {
  const { rows } = await sql.query<{ term: string; node_id: string }>(
    `SELECT term, leader_node_id::text AS node_id FROM portico.cluster_leases
      WHERE cluster_id = $1 AND leader_node_id IS NOT NULL AND expires_at > now()`,
    [clusterId],
  );
  return rows[0] && { term: Number(rows[0].term), nodeId: rows[0].node_id };
}

interface RunRecord {
  id: string;
  state: string;
  started_term: string;
  term: string;
  resumes: number;
  files_listed: string;
  files_new: string;
  files_ready: string;
  seconds: number | null;
}

const RUN = `
SELECT id::text, state, started_term, term, resumes, files_listed, files_new, files_ready,
       extract(epoch FROM finished_at - started_at)::float8 AS seconds
  FROM portico.scan_runs WHERE cluster_id = $1 ORDER BY id DESC LIMIT 1`;

it(
  `SIGKILL of the leader in the middle of a ${FILES.toLocaleString('en')}-file scan: the new leader resumes the run; every file is ingested exactly once`,
  async () => {
    const treeStarted = Date.now();
    const expectedPaths = treePaths(FILES);
    writeTree(storage, expectedPaths);
    const treeMs = Date.now() - treeStarted;

    const cluster = await controlPlane.admin.createCluster({
      name: 'leader-kill-scan',
      // Files are ingestible the moment they are seen; one scan only (no rescan during the test).
      settings: { growing_files_threshold_seconds: 0, scan_interval_seconds: 3600 },
    });
    // allSettled: a node that did start is in `nodes` (stopped after the test) even if the other failed.
    const started = await Promise.allSettled([
      coordinator(cluster.id, 'main-a'),
      coordinator(cluster.id, 'main-b'),
    ]);
    const [a, b] = started.map((result) => {
      if (result.status === 'rejected') throw result.reason;
      return result.value;
    }) as [NodeHandle, NodeHandle];
    // Both nodes are up and one leads before there is anything to scan: the kill is the only
    // leader change of the test.
    const first = await withOutput(() =>
      waitFor(
        async () => {
          const lease = await currentLease(cluster.id);
          const leader = [a, b].find((node) => node.nodeId === lease?.nodeId);
          return lease && leader && { leader, follower: leader === a ? b : a, term: lease.term };
        },
        { description: 'a leader among the two coordinators', timeoutMs: 20_000 },
      ),
    );
    await controlPlane.admin.createStorage(cluster.id, { name: 'nas' });

    // The signal: the run's committed counters (each batch commits its files and the checkpoint
    // together), read from the database, not the node.
    const scanStarted = Date.now();
    const inProgress = await withOutput(() =>
      waitFor(
        async () => {
          const { rows } = await sql.query<RunRecord>(RUN, [cluster.id]);
          const run = rows[0];
          return run && Number(run.files_listed) >= KILL_AFTER_FILES ? run : undefined;
        },
        {
          description: `the leader's scan run to commit ${KILL_AFTER_FILES} files`,
          timeoutMs: FULL ? 600_000 : 60_000,
          intervalMs: 20,
        },
      ),
    );
    const killedLeaderMemory = memoryMiB(first.leader.process.pid);
    const killedAt = Date.now();
    expect(await first.leader.process.stop('SIGKILL')).toEqual({ code: null, signal: 'SIGKILL' });
    expect(
      logLine(
        first.leader,
        'scan started',
        (line) => line.runId === inProgress.id && line.term === first.term,
      ),
    ).toBeDefined();

    // What the dead leader committed: FOR SHARE waits out a batch transaction it left open
    // (pgBouncer drops it, PostgreSQL rolls it back), and blocks the new leader's claim of the run
    // for this one statement; term and resumes prove no one had claimed it yet.
    await sql.query('BEGIN');
    const { rows: atKill } = await sql.query<RunRecord>(
      `SELECT id::text, state, started_term, term, resumes, files_listed, files_new, files_ready, NULL AS seconds
         FROM portico.scan_runs WHERE id = $1 FOR SHARE`,
      [inProgress.id],
    );
    await sql.query('COMMIT');
    const committedAtKill = Number(atKill[0]!.files_listed);
    expect(atKill[0]).toMatchObject({ state: 'running', term: String(first.term), resumes: 0 });
    expect(committedAtKill).toBeGreaterThan(0);
    expect(committedAtKill).toBeLessThan(FILES);

    const next = await withOutput(() =>
      waitFor(
        async () => {
          const lease = await currentLease(cluster.id);
          return lease && lease.term > first.term ? lease : undefined;
        },
        { description: 'the follower to take over with a new term', timeoutMs: 20_000 },
      ),
    );
    const takeoverMs = Date.now() - killedAt;
    expect(next).toMatchObject({ nodeId: first.follower.nodeId, term: first.term + 1 });

    const resumed = await withOutput(() =>
      waitFor(() => logLine(first.follower, 'scan resumed', (line) => line.runId === inProgress.id), {
        description: `the new leader to resume scan run ${inProgress.id}`,
        timeoutMs: 20_000,
      }),
    );
    const resumedMs = Date.now() - killedAt;
    expect(resumed).toMatchObject({ resumed: true, term: next.term });

    const done = await withOutput(() =>
      waitFor(
        async () => {
          const { rows } = await sql.query<RunRecord>(RUN, [cluster.id]);
          return rows[0]?.state === 'completed' ? rows[0] : undefined;
        },
        {
          description: `scan run ${inProgress.id} to complete`,
          timeoutMs: FULL ? 900_000 : 90_000,
          intervalMs: 200,
        },
      ),
    );
    const completedMs = Date.now() - scanStarted;
    const newLeaderMemory = memoryMiB(first.follower.process.pid);
    process.stderr.write(
      `[e2e] leader-kill-scan: ${FILES} files in ${FILES / FILES_PER_FOLDER} folders (tree written in ${treeMs} ms)\n` +
        `[e2e]   leader killed after ${killedAt - scanStarted} ms with ${committedAtKill} files committed ` +
        `(${Math.round((100 * committedAtKill) / FILES)}%), ${formatMemory(killedLeaderMemory)}\n` +
        `[e2e]   SIGKILL -> new leader (term ${first.term} -> ${next.term}) ${takeoverMs} ms; ` +
        `-> scan run ${inProgress.id} resumed ${resumedMs} ms\n` +
        `[e2e]   scan complete ${completedMs} ms after the storage was configured ` +
        `(run ${done.seconds?.toFixed(1)} s by the database clock); new leader ${formatMemory(newLeaderMemory)}\n`,
    );

    // One run, taken over once: the same run id, its first term and the new one, every file listed
    // once (the killed leader's open batch was rolled back and listed again, nothing else).
    expect(done).toMatchObject({
      id: inProgress.id,
      started_term: String(first.term),
      term: String(next.term),
      resumes: 1,
      files_listed: String(FILES),
      files_new: String(FILES),
      files_ready: String(FILES),
    });
    const { rows: runs } = await sql.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM portico.scan_runs WHERE cluster_id = $1',
      [cluster.id],
    );
    expect(runs[0]!.n).toBe(1);
    const completed = logLine(
      first.follower,
      'scan completed',
      (line) => line.runId === inProgress.id && line.resumed === true,
    );
    expect(completed).toBeDefined();

    // Both terms wrote batches of the run, and no write of the old term landed after the new one's.
    const { rows: batches } = await sql.query<{ term: string; node_id: string; n: number }>(
      `SELECT term, node_id, count(*)::int AS n FROM portico.fenced_writes
        WHERE cluster_id = $1 AND action = 'scan-batch' GROUP BY term, node_id ORDER BY term`,
      [cluster.id],
    );
    expect(batches.map((row) => [Number(row.term), row.node_id])).toEqual([
      [first.term, first.leader.nodeId],
      [next.term, first.follower.nodeId],
    ]);
    const { rows: stale } = await sql.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM portico.fenced_writes w
        WHERE w.cluster_id = $1
          AND EXISTS (SELECT 1 FROM portico.fenced_writes later
                       WHERE later.cluster_id = w.cluster_id AND later.term > w.term AND later.at < w.at)`,
      [cluster.id],
    );
    expect(stale[0]!.n).toBe(0);

    // The catalogue: exactly the tree's files, each once, each with its own asset.
    const { rows: files } = await sql.query<{ path: string; removed: boolean }>(
      'SELECT path, removed FROM portico.files WHERE cluster_id = $1',
      [cluster.id],
    );
    expect(files.length).toBe(FILES);
    expect(files.filter((file) => file.removed)).toEqual([]);
    const catalogued = new Set(files.map((file) => file.path));
    expect(catalogued.size).toBe(FILES);
    expect(expectedPaths.filter((rel) => !catalogued.has(rel))).toEqual([]);
    const { rows: assets } = await sql.query<{ assets: number; without_one_file: number }>(
      `SELECT count(*)::int AS assets,
              count(*) FILTER (WHERE (SELECT count(*) FROM portico.files f WHERE f.asset_id = a.id) <> 1)::int
                AS without_one_file
         FROM portico.assets a WHERE a.cluster_id = $1`,
      [cluster.id],
    );
    expect(assets[0]).toEqual({ assets: FILES, without_one_file: 0 });

    // The checksum jobs: every catalogue file in one of them, nothing else, nothing twice.
    const { rows: jobs } = await sql.query<{ entries: number; files: number; unmatched: number }>(
      `SELECT count(*)::int AS entries, count(DISTINCT t->>'fileId')::int AS files,
              count(*) FILTER (WHERE NOT EXISTS (
                SELECT 1 FROM portico.files f
                 WHERE f.cluster_id = $2 AND f.id::text = t->>'fileId' AND f.path = t->>'path'
                   AND f.asset_id::text = t->>'assetId'))::int AS unmatched
         FROM pgboss.job j CROSS JOIN LATERAL jsonb_array_elements(j.data->'files') AS t
        WHERE j.name = $1`,
      [queueName(cluster.id, checksumFileJob.name), cluster.id],
    );
    expect(jobs[0]).toEqual({ entries: FILES, files: FILES, unmatched: 0 });

    // The scanner's index agrees: every file once, handed over.
    const { rows: indexed } = await sql.query<{ rows: number; handed_over: number }>(
      `SELECT count(*)::int AS rows, count(*) FILTER (WHERE status = 'ingested' AND handed_off)::int AS handed_over
         FROM portico.scan_files WHERE cluster_id = $1`,
      [cluster.id],
    );
    expect(indexed[0]).toEqual({ rows: FILES, handed_over: FILES });
  },
  FULL ? 1_200_000 : 120_000,
);
