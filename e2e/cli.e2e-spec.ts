import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { getJson, harness, startApp, useTestDatabase, waitFor, type AppProcess } from '@portico/testing';

// The `portico` command as an operator uses it, against a real `portico up --nodes 3`: every
// command runs in the folder `up` runs in, so it finds var/context.json like a person would.
const db = useTestDatabase();
let scratch: string;
let up: AppProcess | undefined;
const nodeUrls = new Map<string, string>();

interface CliRun {
  code: number | null;
  out: string;
  err: string;
}

/** Runs `portico <args>` to completion in the scratch folder. */
async function portico(...args: string[]): Promise<CliRun> {
  const cli = startApp('cli', { args, cwd: scratch });
  // 'close' comes after the output streams ended, so every line has been read by then.
  await new Promise((resolve) => cli.child.once('close', resolve));
  const { code } = await cli.exited;
  return { code, out: cli.stdout.join('\n'), err: cli.stderr.join('\n') };
}

function secrets(): { databasePassword: string; adminToken: string } {
  return JSON.parse(readFileSync(path.join(scratch, 'var/secrets.json'), 'utf8')) as {
    databasePassword: string;
    adminToken: string;
  };
}

function iniValue(file: string, key: string): string {
  const match = new RegExp(`^${key} = (.*)$`, 'm').exec(readFileSync(file, 'utf8'));
  if (!match) throw new Error(`${key} not in ${file}`);
  return match[1]!;
}

interface NodeSettings {
  version: string;
  settings: Array<{ key: string; value: unknown; winner: string }>;
}

async function runningValue(
  node: string,
  key: string,
): Promise<{ value: unknown; winner: string } | undefined> {
  const { status, body } = await getJson(`${nodeUrls.get(node)!}/settings`);
  if (status !== 200) return undefined;
  return (body as NodeSettings).settings.find((setting) => setting.key === key);
}

beforeAll(async () => {
  scratch = mkdtempSync(path.join(tmpdir(), 'portico-cli-'));
  // As root, the embedded PostgreSQL runs as the `postgres` user, which must enter this folder.
  chmodSync(scratch, 0o755);
  const varDir = path.join(scratch, 'var');
  up = startApp('cli', {
    args: ['up', '--nodes', '3', '--var', varDir, '--storage', path.join(varDir, 'storage'), '--port', '0'],
    cwd: scratch,
  });
  await up.waitForLine(/^Portico is up: 3 nodes$/, 180_000);
  for (const name of ['node-1', 'node-2', 'node-3']) {
    const line = await up.waitForLine(new RegExp(`^\\s+${name}\\s+http://`));
    nodeUrls.set(name, /(http:\/\/\S+)\/health\/ready/.exec(line)![1]!);
  }
}, 200_000);

afterAll(async () => {
  await up?.stop('SIGKILL');
  rmSync(scratch, { recursive: true, force: true });
});

describe('portico status', () => {
  it('lists the three nodes with exactly one leader and its term', async () => {
    // Right after `up`, telemetry may not have reported the leader yet: wait for that state.
    const { run, term } = await waitFor(
      async () => {
        const run = await portico('status');
        const term = /^leader\s+node-\d\s+term (\d+)/m.exec(run.out)?.[1];
        const active = run.out.split('\n').filter((line) => /^node-\d\s+\S+\s+Active\s/.test(line));
        return run.code === 0 && term && active.length === 3 ? { run, term } : undefined;
      },
      {
        description: '`portico status` showing a leader and three Active nodes',
        timeoutMs: 30_000,
        intervalMs: 500,
      },
    );
    console.log(`portico status:\n${run.out}`);
    const rows = run.out.split('\n').filter((line) => /^node-\d\s/.test(line));
    expect(rows.map((row) => row.split(/\s+/)[0])).toEqual(['node-1', 'node-2', 'node-3']);
    const leaders = rows.filter((row) => /\byes \(term \d+\)/.test(row));
    expect(leaders).toHaveLength(1);
    expect(leaders[0]).toContain(`yes (term ${term})`);
    expect(run.out).toMatch(/operational/);
  });

  it("shows the storage's scan once the leader has scanned it, and no removals waiting", async () => {
    const run = await waitFor(
      async () => {
        const run = await portico('status');
        return /^storage local-storage {2}idle {2}last completed scan \d+ s ago/m.test(run.out)
          ? run
          : undefined;
      },
      { description: '`portico status` showing a completed scan', timeoutMs: 30_000, intervalMs: 500 },
    );
    expect(run.out).not.toMatch(/^removals /m);
    const removals = await portico('removals', 'local-storage');
    expect(removals).toMatchObject({ code: 0, out: 'storage local-storage: no removals pending' });
    const approve = await portico('removals', 'approve', 'local-storage', '--all');
    expect(approve.code).toBe(1);
    expect(approve.err).toContain('no removals are pending on storage local-storage');
  });
});

describe('portico settings', () => {
  it('sets cluster and node values; explain shows every layer and the winner', async () => {
    expect(await portico('settings', 'set', 'checksum_max_workers', '3')).toMatchObject({
      code: 0,
      out: 'checksum_max_workers set on cluster local',
    });
    expect(await portico('settings', 'set', 'checksum_max_workers', '5', '--node', 'node-2')).toMatchObject({
      code: 0,
      out: 'checksum_max_workers set on node node-2',
    });

    // node-2's local layer is its var/nodes/node-2/config.ini, which does not set the key.
    const explained = await portico('settings', 'explain', 'checksum_max_workers', '--node', 'node-2');
    console.log(`portico settings explain checksum_max_workers --node node-2:\n${explained.out}`);
    expect(explained.code).toBe(0);
    expect(explained.out).toMatch(/^checksum_max_workers = 5 {3}\(from node; allowed: /m);
    expect(explained.out).toMatch(/^ {3}local\s+-$/m);
    expect(explained.out).toMatch(/^→ {2}node\s+5\s+node settings$/m);
    expect(explained.out).toMatch(/^ {3}cluster\s+3\s+cluster settings$/m);
    expect(explained.out).toMatch(/^ {3}default\s+2\s+built-in default$/m);

    // A config.ini that sets the key locally wins over node and cluster.
    const localIni = path.join(scratch, 'local-override.ini');
    writeFileSync(localIni, '[settings]\nchecksum_max_workers = 9\n');
    const local = await portico('settings', 'explain', 'checksum_max_workers', '--config', localIni);
    console.log(`portico settings explain checksum_max_workers --config …:\n${local.out}`);
    expect(local.code).toBe(0);
    expect(local.out).toMatch(/^checksum_max_workers = 9 {3}\(from local; /m);
    expect(local.out).toMatch(/^→ {2}local\s+9\s+\S*local-override\.ini \[settings\] line 2$/m);
    expect(local.out).toMatch(/^ {3}cluster\s+3\s+cluster settings$/m);

    // And the running nodes pick the values up live (GET /settings on each node).
    await waitFor(
      async () => {
        const [one, two] = await Promise.all([
          runningValue('node-1', 'checksum_max_workers'),
          runningValue('node-2', 'checksum_max_workers'),
        ]);
        return one?.value === 3 && one.winner === 'cluster' && two?.value === 5 && two.winner === 'node';
      },
      { description: 'node-1 running with 3 (cluster) and node-2 with 5 (node)', timeoutMs: 10_000 },
    );
  });

  it('rejects an unknown key and a bad value with the allowed range', async () => {
    const unknown = await portico('settings', 'set', 'checksum_max_wrkers', '3');
    expect(unknown.code).toBe(1);
    expect(unknown.err).toMatch(/unknown setting checksum_max_wrkers/);
    const bad = await portico('settings', 'set', 'checksum_max_workers', '0');
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/400/);
  });
});

describe('portico token create', () => {
  it('prints a join token once', async () => {
    const run = await portico('token', 'create', '--kind', 'join');
    expect(run.code).toBe(0);
    const lines = run.out.split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    const token = lines[0]!;
    expect(token.length).toBeGreaterThanOrEqual(20);
    expect(run.err).toMatch(/join token .* created.*shown only this once/);
    expect(`${run.out}\n${run.err}`.split(token)).toHaveLength(2);
  });
});

describe('portico doctor', () => {
  const ffmpegInstalled = spawnSync('ffmpeg', ['-version']).status === 0;

  it("checks node-1's environment: config, control plane, database, storage, clock skew, ffmpeg", async () => {
    const config = path.join('var', 'nodes', 'node-1', 'config.ini');
    const run = await portico('doctor', '--config', config);
    console.log(`portico doctor --config ${config}:\n${run.out}`);
    for (const check of ['config', 'control plane', 'database', 'database TLS', 'storage', 'clock skew'])
      expect(run.out).toMatch(new RegExp(`^ {2}✓ ${check} `, 'm'));
    expect(run.out).toMatch(
      /^ {2}✓ database\s+postgres:\/\/portico:\*\*\*\*@127\.0\.0\.1:\d+\/portico .*PostgreSQL \d+/m,
    );
    expect(run.out).toMatch(/^ {2}✓ pool mode\s+no pgBouncer/m);
    expect(run.out).toMatch(new RegExp(`^ {2}${ffmpegInstalled ? '✓' : '✗'} ffmpeg `, 'm'));
    expect(run.out).toMatch(new RegExp(`^ {2}${ffmpegInstalled ? '✓' : '✗'} ffprobe `, 'm'));
    expect(run.code).toBe(ffmpegInstalled ? 0 : 1);
    const absolute = path.join(scratch, config);
    for (const secret of [secrets().databasePassword, iniValue(absolute, 'auth-token')])
      expect(`${run.out}\n${run.err}`).not.toContain(secret);
  });

  it('reads pgBouncer’s pool mode and the TLS of the connection through pgBouncer', async () => {
    // node-1's identity, with the test harness's pgBouncer (transaction mode, TLS) as its database.
    const node1 = path.join(scratch, 'var/nodes/node-1/config.ini');
    const { tls } = harness();
    const url = harness().pgbouncerUrl(db.name, { sslmode: 'verify-full', sslrootcert: tls.caCertFile });
    const config = path.join(scratch, 'via-pgbouncer.ini');
    writeFileSync(
      config,
      [
        '[main]',
        `control-plane-url = ${iniValue(node1, 'control-plane-url')}`,
        `storage-gateway-id = ${iniValue(node1, 'storage-gateway-id')}`,
        `auth-token = ${iniValue(node1, 'auth-token')}`,
        `database-url = ${url}`,
        '[storage]',
        `mount-point = ${iniValue(node1, 'mount-point')}`,
        '',
      ].join('\n'),
    );
    const run = await portico('doctor', '--config', config, '--json');
    const report = JSON.parse(run.out) as {
      exitCode: number;
      results: Array<{ check: string; status: string; summary: string }>;
    };
    const result = (check: string) => report.results.find((item) => item.check === check);
    console.log(
      `portico doctor through pgBouncer:\n${report.results.map((r) => `${r.status} ${r.check}: ${r.summary}`).join('\n')}`,
    );
    expect(result('database')).toMatchObject({ status: 'pass' });
    expect(result('pool mode')).toMatchObject({
      status: 'pass',
      summary: expect.stringMatching(/^pgBouncer .*pool_mode = transaction/) as unknown,
    });
    expect(result('database TLS')).toMatchObject({
      status: 'pass',
      summary: expect.stringMatching(
        /^in use \(TLSv1\.[23], sslmode=verify-full: server certificate and host name verified\)/,
      ) as unknown,
    });
    expect(report.exitCode).toBe(run.code);
    expect(run.out).not.toContain(harness().state.postgres.password);
  });
});

describe('portico up', () => {
  it('stops the whole cluster on Ctrl-C with exit code 0', async () => {
    const status = await up!.stop('SIGINT', 60_000);
    expect(status).toEqual({ code: 0, signal: null });
    expect(up!.stdout).toContain('portico up: stopped cleanly');
  });
});
