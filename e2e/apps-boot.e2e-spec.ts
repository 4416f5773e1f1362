import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { getJson, startApp, useTestDatabase, waitFor, type AppProcess } from '@portico/testing';

// Every app boots from its config, serves health and metrics, and stops cleanly on SIGTERM;
// every kind of bad input ends the process with one clear line and a non-zero exit.
const NODE_APPS = [
  'gateway',
  'coordinator',
  'checksum-worker',
  'transcode-worker',
  'transfer-worker',
] as const;
const ADMIN_TOKEN = 'e2e-admin-token-0123456789';

const db = useTestDatabase();
const running: AppProcess[] = [];
let scratch: string;

beforeAll(() => {
  scratch = mkdtempSync(path.join(tmpdir(), 'portico-e2e-'));
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

async function baseUrl(app: AppProcess): Promise<string> {
  const line = await app.waitForLine(/listening on http:/, 60_000);
  return (JSON.parse(line) as { url: string }).url;
}

/** The whole output of a run must never contain the secret. */
function expectNoSecret(app: AppProcess, secret: string): void {
  expect(app.stdout.join('\n')).not.toContain(secret);
  expect(app.stderr.join('\n')).not.toContain(secret);
}

describe('control plane', () => {
  let controlPlane: AppProcess;
  let url: string;

  beforeAll(async () => {
    controlPlane = launch('control-plane', {
      PORTICO_DATABASE_URL: db.url,
      PORTICO_ADMIN_TOKEN: ADMIN_TOKEN,
    });
    url = await baseUrl(controlPlane);
  });

  it('serves health, ping, metrics and the OpenAPI document', async () => {
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
    expect(Object.keys(docs.paths)).toContain('/api/v1/ping');
  });

  it('logs structured JSON without the database password or admin token', () => {
    expect(controlPlane.stdout.length).toBeGreaterThan(0);
    for (const line of controlPlane.stdout) expect(() => JSON.parse(line) as unknown).not.toThrow();
    expectNoSecret(controlPlane, new URL(db.url).password);
    expectNoSecret(controlPlane, ADMIN_TOKEN);
  });

  describe.each(NODE_APPS)('%s', (app) => {
    it('boots, is ready against pgBouncer and the control plane, and stops cleanly on SIGTERM', async () => {
      const node = launch(app, { PORTICO_DATABASE_URL: db.url, PORTICO_CONTROL_PLANE_URL: url });
      const nodeUrl = await baseUrl(node);
      const ready = await getJson(`${nodeUrl}/health/ready`);
      expect(ready).toMatchObject({
        status: 200,
        body: { info: { database: { status: 'up' }, 'control-plane': { status: 'up' } } },
      });
      await expect(getJson(`${nodeUrl}/health/live`)).resolves.toMatchObject({ status: 200 });
      const metrics = await fetch(`${nodeUrl}/metrics`).then((response) => response.text());
      expect(metrics).toMatch(new RegExp(`portico_build_info\\{[^}]*app="${app}"[^}]*\\} 1`));

      const stopped = await node.stop('SIGTERM', 15_000);
      expect(stopped).toEqual({ code: 0, signal: null });
      expect(node.logs().map((line) => line.msg)).toEqual(expect.arrayContaining(['stopping', 'stopped']));
      expectNoSecret(node, new URL(db.url).password);
    });
  });

  it('a node reports not ready while the control plane is down, and ready again after', async () => {
    const gateway = launch('gateway', { PORTICO_DATABASE_URL: db.url, PORTICO_CONTROL_PLANE_URL: url });
    const gatewayUrl = await baseUrl(gateway);
    await expect(getJson(`${gatewayUrl}/health/ready`)).resolves.toMatchObject({ status: 200 });
    await controlPlane.stop('SIGTERM');
    await waitFor(async () => (await getJson(`${gatewayUrl}/health/ready`)).status === 503, {
      timeoutMs: 15_000,
      description: 'gateway readiness to fail with the control plane down',
    });
    const down = await getJson(`${gatewayUrl}/health/ready`);
    expect(down.body).toMatchObject({ error: { 'control-plane': { status: 'down' } } });
    const port = new URL(url).port;
    controlPlane = launch('control-plane', {
      PORTICO_DATABASE_URL: db.url,
      PORTICO_ADMIN_TOKEN: ADMIN_TOKEN,
      PORTICO_HTTP_PORT: port,
    });
    await baseUrl(controlPlane);
    await waitFor(async () => (await getJson(`${gatewayUrl}/health/ready`)).status === 200, {
      timeoutMs: 15_000,
      description: 'gateway readiness to recover',
    });
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
      /checksum_max_workers.*(config\.ini|range\.ini).*\b1\b.*\b64\b/,
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

  it('a wrong database password, without showing the password', async () => {
    const wrong = new URL(db.url);
    wrong.password = 'not-the-password-7731';
    const line = await expectFailure(
      launch('gateway', { PORTICO_DATABASE_URL: wrong.toString() }),
      1,
      /auth/i,
    );
    expect(line).not.toContain('not-the-password-7731');
  });

  it('an unreachable database', async () => {
    const line = await expectFailure(
      launch('coordinator', {
        PORTICO_DATABASE_URL: 'postgres://portico:hunter2-secret@127.0.0.1:1/portico',
      }),
      1,
      /127\.0\.0\.1:1/,
    );
    expect(line).not.toContain('hunter2-secret');
  }, 60_000);
});
