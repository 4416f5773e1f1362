import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  createNodeIdentity,
  getJson,
  listeningUrl,
  nodeEnv,
  startApp,
  startControlPlane,
  useTestDatabase,
  waitFor,
  type AppProcess,
  type ControlPlaneHandle,
} from '@portico/testing';

// Every app boots from its config, serves health and metrics, and stops cleanly on SIGTERM;
// every kind of bad input ends the process with one clear line and a non-zero exit.
const NODE_APPS = [
  ['gateway', ['MAIN', 'CHECKSUM', 'TRANSCODE', 'TRANSFER']],
  ['coordinator', ['MAIN']],
  ['checksum-worker', ['CHECKSUM']],
  ['transcode-worker', ['TRANSCODE']],
  ['transfer-worker', ['TRANSFER']],
] as const;

const db = useTestDatabase();
const running: AppProcess[] = [];
let scratch: string;
let controlPlane: ControlPlaneHandle;
let clusterId: string;

beforeAll(async () => {
  scratch = mkdtempSync(path.join(tmpdir(), 'portico-e2e-'));
  controlPlane = await startControlPlane({ databaseUrl: db.url });
  running.push(controlPlane.process);
  clusterId = (await controlPlane.admin.createCluster({ name: 'boot' })).id;
});
afterAll(async () => {
  await Promise.all(running.map((app) => app.stop('SIGKILL')));
  rmSync(scratch, { recursive: true, force: true });
});

function launch(app: string, env: NodeJS.ProcessEnv): AppProcess {
  const process = startApp(app, { env: { PORTICO_HTTP_PORT: '0', ...env }, cwd: scratch });
  running.push(process);
  return process;
}

/** A node's complete, valid local layer; `extra` overrides parts of it. */
async function validNodeEnv(
  name: string,
  roles: readonly string[],
  extra: NodeJS.ProcessEnv = {},
): Promise<NodeJS.ProcessEnv> {
  const identity = await createNodeIdentity(controlPlane.admin, clusterId, name, [...roles] as never);
  return nodeEnv({
    controlPlaneUrl: controlPlane.url,
    databaseUrl: db.url,
    identity,
    mountPoint: path.join(scratch, 'storage'),
    extra,
  });
}

/** The whole output of a run must never contain the secret. */
function expectNoSecret(app: AppProcess, secret: string): void {
  expect(app.stdout.join('\n')).not.toContain(secret);
  expect(app.stderr.join('\n')).not.toContain(secret);
}

describe('control plane', () => {
  it('serves health, ping, metrics and the OpenAPI document', async () => {
    const url = controlPlane.url;
    await expect(getJson(`${url}/health/live`)).resolves.toMatchObject({ status: 200 });
    await expect(getJson(`${url}/health/ready`)).resolves.toMatchObject({
      status: 200,
      body: { info: { database: { status: 'up' } } },
    });
    await expect(getJson(`${url}/api/v1/ping`)).resolves.toMatchObject({
      status: 200,
      body: { status: 'ok' },
    });
    const metrics = await fetch(`${url}/metrics`).then((response) => response.text());
    expect(metrics).toMatch(/portico_build_info\{[^}]*app="control-plane"[^}]*\} 1/);
    expect(metrics).toContain('portico_process_resident_memory_bytes');
    const docs = await fetch(`${url}/api/docs-json`).then(
      (response) => response.json() as Promise<{ paths: object }>,
    );
    expect(Object.keys(docs.paths)).toEqual(
      expect.arrayContaining(['/api/v1/ping', '/api/v1/clusters', '/api/v1/telemetry']),
    );
  });

  it('logs structured JSON without the database password or admin token', () => {
    expect(controlPlane.process.stdout.length).toBeGreaterThan(0);
    for (const line of controlPlane.process.stdout) expect(() => JSON.parse(line) as unknown).not.toThrow();
    expectNoSecret(controlPlane.process, new URL(db.url).password);
    expectNoSecret(controlPlane.process, controlPlane.adminToken);
  });
});

describe.each(NODE_APPS)('%s', (app, roles) => {
  it('boots, is ready, reports telemetry, and stops cleanly on SIGTERM', async () => {
    const env = await validNodeEnv(`boot-${app}`, roles);
    const node = launch(app, env);
    const nodeUrl = await listeningUrl(node);
    await waitFor(async () => (await getJson(`${nodeUrl}/health/ready`)).status === 200, {
      timeoutMs: 20_000,
      description: `${app} to be ready`,
    });
    const ready = await getJson(`${nodeUrl}/health/ready`);
    expect(ready.body).toMatchObject({
      info: { database: { status: 'up' }, 'control-plane': { status: 'up' }, storage: { status: 'up' } },
    });
    await expect(getJson(`${nodeUrl}/health/live`)).resolves.toMatchObject({ status: 200 });
    const metrics = await fetch(`${nodeUrl}/metrics`).then((response) => response.text());
    expect(metrics).toMatch(new RegExp(`portico_build_info\\{[^}]*app="${app}"[^}]*\\} 1`));

    const nodeId = env.PORTICO_STORAGE_GATEWAY_ID!;
    await waitFor(async () => (await controlPlane.admin.getNode(nodeId)).status === 'Active', {
      timeoutMs: 20_000,
      description: `${app} to report Active telemetry`,
    });
    const reported = await controlPlane.admin.getNode(nodeId);
    expect(reported.lastTelemetry).toMatchObject({
      app,
      roles: [...roles],
      workerId: expect.any(String) as string,
    });

    const stopped = await node.stop('SIGTERM', 15_000);
    expect(stopped).toEqual({ code: 0, signal: null });
    expect(node.logs().map((line) => line.msg)).toEqual(expect.arrayContaining(['stopping', 'stopped']));
    await waitFor(async () => (await controlPlane.admin.getNode(nodeId)).status === 'Stopped', {
      timeoutMs: 10_000,
      description: `${app} to be recorded Stopped after SIGTERM`,
    });
    expectNoSecret(node, new URL(db.url).password);
    expectNoSecret(node, env.PORTICO_AUTH_TOKEN!);
  });
});

it('a node reports not ready while the control plane is down, and ready again after', async () => {
  const gateway = launch('gateway', await validNodeEnv('boot-cp-outage', ['CHECKSUM']));
  const gatewayUrl = await listeningUrl(gateway);
  const ready = async (): Promise<number> => (await getJson(`${gatewayUrl}/health/ready`)).status;
  await waitFor(async () => (await ready()) === 200, {
    timeoutMs: 20_000,
    description: 'gateway to be ready',
  });
  const port = new URL(controlPlane.url).port;
  await controlPlane.process.stop('SIGTERM');
  await waitFor(async () => (await ready()) === 503, {
    timeoutMs: 20_000,
    description: 'readiness to fail with the control plane down',
  });
  const down = await getJson(`${gatewayUrl}/health/ready`);
  expect(down.body).toMatchObject({ error: { 'control-plane': { status: 'down' } } });
  controlPlane = await startControlPlane({ databaseUrl: db.url, port: Number(port) });
  running.push(controlPlane.process);
  await waitFor(async () => (await ready()) === 200, {
    timeoutMs: 20_000,
    description: 'readiness to recover',
  });
});

describe('bad input ends the process with one clear line', () => {
  function configFile(name: string, text: string): string {
    const file = path.join(scratch, name);
    writeFileSync(file, text);
    return file;
  }

  async function expectFailure(app: AppProcess, code: number, pattern: RegExp): Promise<string> {
    const status = await app.exited;
    const lines = app.stderr.filter((line) => line.trim());
    expect({ status, lines }).toMatchObject({ status: { code } });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(pattern);
    expect(app.stderr.join('\n')).not.toMatch(/^\s+at /m);
    return lines[0]!;
  }

  it('an explicit config file that does not exist', async () => {
    const missing = path.join(scratch, 'nope', 'config.ini');
    await expectFailure(
      launch('gateway', { PORTICO_CONFIG: missing }),
      2,
      new RegExp(`${missing.replace(/[.]/g, '\\.')}.*not found`),
    );
  });

  it('a malformed config.ini names the file and line', async () => {
    const file = configFile(
      'malformed.ini',
      '[main]\ncontrol-plane-url = http://127.0.0.1:1\nthis line is not a setting\n',
    );
    await expectFailure(launch('gateway', { PORTICO_CONFIG: file }), 2, /malformed\.ini.*3/);
  });

  it('an unknown setting key', async () => {
    const file = configFile(
      'unknown.ini',
      `[main]\ndatabase-url = ${db.url}\n[settings]\nchecksum_max_wrkers = 4\n`,
    );
    const line = await expectFailure(
      launch('checksum-worker', { PORTICO_CONFIG: file }),
      2,
      /checksum_max_wrkers/,
    );
    expect(line).not.toContain(new URL(db.url).password);
  });

  it('an out-of-range value names the key, the layer and the allowed range', async () => {
    const file = configFile(
      'range.ini',
      `[main]\ndatabase-url = ${db.url}\n[settings]\nchecksum_max_workers = 0\n`,
    );
    await expectFailure(
      launch('checksum-worker', { PORTICO_CONFIG: file }),
      2,
      /checksum_max_workers.*range\.ini.*\b1\b.*\b64\b/,
    );
  });

  it('an out-of-range value from the environment names the variable', async () => {
    await expectFailure(
      launch('transfer-worker', {
        PORTICO_DATABASE_URL: db.url,
        PORTICO_FILE_UPLOAD_PARALLEL_UPLOADS_NUM: 'many',
      }),
      2,
      /PORTICO_FILE_UPLOAD_PARALLEL_UPLOADS_NUM/,
    );
  });

  it('no node identity', async () => {
    await expectFailure(
      launch('gateway', { PORTICO_CONTROL_PLANE_URL: controlPlane.url }),
      2,
      /storage-gateway-id.*auth-token.*join-token/,
    );
  });

  it('a token the control plane refuses, without showing it', async () => {
    const env = await validNodeEnv('boot-bad-token', ['CHECKSUM'], {
      PORTICO_AUTH_TOKEN: 'pn_not-a-real-token-4471',
    });
    const line = await expectFailure(launch('checksum-worker', env), 2, /refused this node \(401/);
    expect(line).not.toContain('not-a-real-token-4471');
  });

  it('a wrong database password, without showing the password', async () => {
    const wrong = new URL(db.url);
    wrong.password = 'not-the-password-7731';
    const env = await validNodeEnv('boot-bad-password', ['CHECKSUM'], {
      PORTICO_DATABASE_URL: wrong.toString(),
    });
    const line = await expectFailure(launch('checksum-worker', env), 1, /auth/i);
    expect(line).not.toContain('not-the-password-7731');
  });

  it('an unreachable database', async () => {
    const env = await validNodeEnv('boot-no-db', ['MAIN'], {
      PORTICO_DATABASE_URL: 'postgres://portico:hunter2-secret@127.0.0.1:1/portico',
    });
    const line = await expectFailure(launch('coordinator', env), 1, /127\.0\.0\.1:1/);
    expect(line).not.toContain('hunter2-secret');
  }, 60_000);
});
