import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ControlPlaneClient, LogBatch, TelemetryReport } from '@portico/control-plane-client';
import { waitFor } from '@portico/testing';
import pino from 'pino';
import { OsHostInfoProvider } from './host-info.adapter';
import { LogShipper } from './log-shipper';
import { StatfsStorageStatsProvider } from './storage-stats.adapter';
import { TelemetryReporter } from './telemetry-reporter';

// TEST FIXTURE, not the control plane: a bare HTTP server that records what reaches it over a
// real socket and answers with a scripted status, to exercise batching, backoff and recovery
// through the real typed client. Tests against the real control-plane API live with the app.
class RecordingServer {
  readonly requests: { method: string; path: string; body: unknown }[] = [];
  /** Status codes to answer next, in order; 2xx once empty. */
  script: number[] = [];
  private server: Server | undefined;
  port = 0;

  async listen(port = 0): Promise<void> {
    this.server = createServer((request, response) => void this.handle(request, response));
    this.server.listen(port, '127.0.0.1');
    await once(this.server, 'listening');
    this.port = (this.server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    if (!this.server) return;
    const server = this.server;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  bodies(path: string): unknown[] {
    return this.requests.filter((request) => request.path === path).map((request) => request.body);
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const status = this.script.shift();
    const path = request.url ?? '';
    if (status !== undefined && status >= 300) {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ statusCode: status, error: 'Unavailable', message: 'scripted failure' }));
      return;
    }
    this.requests.push({
      method: request.method ?? '',
      path,
      body: JSON.parse(Buffer.concat(chunks).toString('utf8')),
    });
    if (path === '/api/v1/telemetry') {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ status: 'Active', statusReason: null, version: 'v1' }));
    } else {
      response.writeHead(204);
      response.end();
    }
  }
}

const NODE_ID = '7b0d7f7e-3c2a-4d36-9a51-5f0e4b2b8a10';
const WORKER_ID = 'c9e1a0f4-8f5e-4b8b-a7a4-0d6f8f0b7e21';

describe('telemetry and log shipping over a real socket', () => {
  let server: RecordingServer;
  beforeEach(async () => {
    server = new RecordingServer();
    await server.listen();
  });
  afterEach(() => server.close());

  it('ships pino lines in ordered batches of ≤ 500 and retries 503s without loss', async () => {
    const client = new ControlPlaneClient({ baseUrl: server.url, token: 'node-token', timeoutMs: 1000 });
    const shipper = new LogShipper(client, { workerId: WORKER_ID, flushIntervalMs: 50, backoffCapMs: 200 });
    const logger = pino(
      { timestamp: pino.stdTimeFunctions.isoTime, formatters: { level: (label) => ({ level: label }) } },
      pino.multistream([{ stream: shipper }]),
    );
    server.script = [503, 503];
    shipper.start();
    for (let n = 0; n < 1234; n++) logger.info({ n }, `line ${n}`);
    await waitFor(
      () => server.bodies('/api/v1/logs').flatMap((body) => (body as LogBatch).entries).length === 1234,
      {
        description: 'all 1234 lines shipped',
      },
    );
    await shipper.stop();
    const batches = server.bodies('/api/v1/logs').map((body) => LogBatch.parse(body));
    expect(batches.every((batch) => batch.entries.length <= 500 && batch.workerId === WORKER_ID)).toBe(true);
    expect(batches.flatMap((batch) => batch.entries.map((entry) => entry.message))).toEqual(
      Array.from({ length: 1234 }, (_, n) => `line ${n}`),
    );
    expect(server.script).toEqual([]); // both failures were really answered, then retried
  });

  it('reports periodically, turns Warning while the control plane is gone, recovers, and says Stopped', async () => {
    const root = await mkdtemp(join(tmpdir(), 'portico-telemetry-'));
    try {
      const client = new ControlPlaneClient({ baseUrl: server.url, timeoutMs: 500 });
      const storage = new StatfsStorageStatsProvider(root);
      const reporter = new TelemetryReporter(
        client,
        { nodeId: NODE_ID, workerId: WORKER_ID, app: 'gateway', version: '0.1.0', roles: ['MAIN'] },
        {
          host: new OsHostInfoProvider(),
          leader: () => ({ isLeader: true, term: 1 }),
          health: () => ({}),
          jobs: () => ({}),
          storage: () => storage.read(),
        },
        { intervalSeconds: 0.1, backoffCapMs: 300 },
      );
      reporter.start();
      await waitFor(() => server.bodies('/api/v1/telemetry').length >= 2, { description: 'two reports' });
      const first = TelemetryReport.parse(server.bodies('/api/v1/telemetry')[0]);
      expect(first.storage?.capacityBytes).toBeGreaterThan(0);
      expect(first.storage?.freeBytes).toBeLessThanOrEqual(first.storage?.capacityBytes ?? 0);

      const port = server.port;
      await server.close();
      await waitFor(() => reporter.status().status === 'Warning', { description: 'status Warning' });
      expect(reporter.status().reason).toMatch(/^control plane unreachable since /);

      await server.listen(port);
      await waitFor(() => reporter.status().status === 'Active', { description: 'status Active again' });
      await reporter.stop();
      expect(server.bodies('/api/v1/telemetry').map((body) => (body as TelemetryReport).status)).toContain(
        'Warning',
      );
      expect((server.bodies('/api/v1/telemetry').at(-1) as TelemetryReport).status).toBe('Stopped');
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('names the mount point when its capacity cannot be read', async () => {
    await expect(new StatfsStorageStatsProvider('/nonexistent/portico-mount').read()).rejects.toThrow(
      /cannot read capacity of the storage at \/nonexistent\/portico-mount: ENOENT/,
    );
  });
});
