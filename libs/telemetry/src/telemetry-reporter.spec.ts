import {
  ControlPlaneError,
  ControlPlaneUnreachableError,
  TelemetryReport,
  type TelemetryAck,
} from '@portico/control-plane-client';
import { OsHostInfoProvider } from './host-info.adapter';
import { HostInfoProvider, TelemetrySink, type HostInfoRecord } from './ports';
import { TelemetryReporter, type TelemetryProviders } from './telemetry-reporter';

const NODE_ID = '7b0d7f7e-3c2a-4d36-9a51-5f0e4b2b8a10';
const WORKER_ID = 'c9e1a0f4-8f5e-4b8b-a7a4-0d6f8f0b7e21';
const ACK: TelemetryAck = { status: 'Active', statusReason: null, version: 'v1' };

class FakeSink extends TelemetrySink {
  reports: TelemetryReport[] = [];
  failWith: Error | undefined;
  answer: TelemetryAck = ACK;
  hang = false;
  sendTelemetry(report: TelemetryReport): Promise<TelemetryAck> {
    this.reports.push(report);
    if (this.hang) return new Promise(() => undefined);
    if (this.failWith) return Promise.reject(this.failWith);
    return Promise.resolve(this.answer);
  }
}

class FixedHost extends HostInfoProvider {
  read(): HostInfoRecord {
    return {
      hostname: 'node-a',
      os: 'Linux 6.1',
      platform: 'linux',
      arch: 'x64',
      cpus: 2,
      memoryBytes: 4e9,
      freeMemoryBytes: 1e9,
      loadAverage: [0.1, 0.2, 0.3],
      uptimeSeconds: 100,
      processRssBytes: 8e7,
    };
  }
}

function providers(overrides: Partial<TelemetryProviders> = {}): TelemetryProviders {
  return {
    host: new FixedHost(),
    leader: () => ({ isLeader: true, term: 4 }),
    health: () => ({ database: { status: 'up', since: '2030-01-01T00:00:00.000Z', latencyMs: 1.2 } }),
    jobs: () => ({ CHECKSUM: { active: 1, completed: 10, failed: 0 } }),
    ...overrides,
  };
}

const identity = {
  nodeId: NODE_ID,
  workerId: WORKER_ID,
  app: 'gateway',
  version: '0.1.0',
  roles: ['MAIN', 'CHECKSUM'] as const,
};
const unreachable = () =>
  new ControlPlaneUnreachableError('http://127.0.0.1:1', new Error('connect ECONNREFUSED'));

describe('TelemetryReporter', () => {
  beforeEach(() => jest.useFakeTimers({ now: new Date('2030-01-01T00:00:00Z') }));
  afterEach(() => jest.useRealTimers());

  it('builds a report that validates against the contract, with storage and clock skew when given', async () => {
    const sink = new FakeSink();
    const reporter = new TelemetryReporter(
      sink,
      { ...identity, roles: ['MAIN', 'CHECKSUM'] },
      providers({
        storage: () =>
          Promise.resolve({ mountPoint: '/mnt/nas', capacityBytes: 1000, freeBytes: 400, files: 3 }),
        clockSkewMs: () => -12,
      }),
    );
    await expect(reporter.reportOnce()).resolves.toBe(true);
    const [report] = sink.reports;
    expect(TelemetryReport.parse(report)).toEqual(report);
    expect(report).toMatchObject({
      nodeId: NODE_ID,
      workerId: WORKER_ID,
      app: 'gateway',
      status: 'Active',
      statusReason: null,
      roles: ['MAIN', 'CHECKSUM'],
      leader: { isLeader: true, term: 4 },
      storage: { mountPoint: '/mnt/nas', freeBytes: 400 },
      clockSkewMs: -12,
      intervalSeconds: 5,
      sentAt: '2030-01-01T00:00:00.000Z',
    });
    expect(reporter.lastAck()).toEqual(ACK);
  });

  it('real host info validates against the contract', () => {
    const host = new OsHostInfoProvider().read();
    expect(TelemetryReport.shape.host.parse(host)).toEqual(host);
  });

  it('sends a report without storage or job counts when their providers fail or hang', async () => {
    const sink = new FakeSink();
    const warnings: string[] = [];
    const reporter = new TelemetryReporter(
      sink,
      { ...identity, roles: ['MAIN'] },
      providers({
        jobs: () => new Promise(() => undefined),
        storage: () => Promise.reject(new Error('statfs EIO')),
      }),
      {
        providerTimeoutMs: 100,
        logger: { info: () => undefined, error: () => undefined, warn: (_o, msg) => warnings.push(msg) },
      },
    );
    const sent = reporter.reportOnce();
    await jest.advanceTimersByTimeAsync(100);
    await expect(sent).resolves.toBe(true);
    expect(sink.reports[0]?.jobs).toEqual({});
    expect(sink.reports[0]?.storage).toBeUndefined();
    expect(warnings).toEqual([
      'telemetry: storage statistics unavailable; report sent without',
      'telemetry: job counts took too long; report sent without',
    ]);
  });

  it('reports every interval while the control plane answers', async () => {
    const sink = new FakeSink();
    const reporter = new TelemetryReporter(sink, { ...identity, roles: ['MAIN'] }, providers(), {
      intervalSeconds: 5,
    });
    reporter.start();
    await jest.advanceTimersByTimeAsync(0);
    expect(sink.reports).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(4999);
    expect(sink.reports).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(sink.reports).toHaveLength(2);
    await jest.advanceTimersByTimeAsync(10_000);
    expect(sink.reports).toHaveLength(4);
    await reporter.stop();
  });

  it('backs off exponentially with jitter up to the cap, shows Warning, and recovers', async () => {
    const sink = new FakeSink();
    sink.failWith = unreachable();
    const reporter = new TelemetryReporter(sink, { ...identity, roles: ['MAIN'] }, providers(), {
      intervalSeconds: 5,
      backoffCapMs: 30_000,
      random: () => 1, // the upper end of the jitter window, so delays are exact
    });
    reporter.start();
    await jest.advanceTimersByTimeAsync(0);
    expect(reporter.state()).toMatchObject({
      status: 'Warning',
      consecutiveFailures: 1,
      failingSince: new Date('2030-01-01T00:00:00Z'),
    });
    expect(reporter.status().reason).toMatch(
      /^control plane unreachable since 2030-01-01T00:00:00.000Z: control plane at http:\/\/127.0.0.1:1 is unreachable/,
    );

    const gaps: number[] = [];
    let last = Date.now();
    for (let i = 0; i < 5; i++) {
      const before = sink.reports.length;
      while (sink.reports.length === before) await jest.advanceTimersByTimeAsync(100);
      gaps.push(Date.now() - last);
      last = Date.now();
    }
    expect(gaps).toEqual([5000, 10_000, 20_000, 30_000, 30_000]);
    // Reports sent while failing carry the Warning, so the control plane learns of it once it is back.
    expect(sink.reports.at(-1)).toMatchObject({ status: 'Warning' });

    sink.failWith = undefined;
    await jest.advanceTimersByTimeAsync(30_000);
    expect(reporter.state()).toMatchObject({
      status: 'Active',
      consecutiveFailures: 0,
      failingSince: undefined,
    });
    const count = sink.reports.length;
    await jest.advanceTimersByTimeAsync(5000);
    expect(sink.reports).toHaveLength(count + 1);
    expect(sink.reports.at(-1)).toMatchObject({ status: 'Active', statusReason: null });
    await reporter.stop();
  });

  it('jitter keeps each delay within the upper half of its window', async () => {
    const sink = new FakeSink();
    sink.failWith = unreachable();
    const reporter = new TelemetryReporter(sink, { ...identity, roles: ['MAIN'] }, providers(), {
      random: () => 0,
    });
    reporter.start();
    await jest.advanceTimersByTimeAsync(0);
    await jest.advanceTimersByTimeAsync(2499);
    expect(sink.reports).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(sink.reports).toHaveLength(2);
    await reporter.stop();
  });

  it('names a rejection (4xx) differently from an unreachable control plane', async () => {
    const sink = new FakeSink();
    sink.failWith = new ControlPlaneError(401, undefined, 'POST', '/api/v1/telemetry');
    const reporter = new TelemetryReporter(sink, { ...identity, roles: ['MAIN'] }, providers());
    await reporter.reportOnce();
    expect(reporter.status()).toEqual({
      status: 'Warning',
      reason:
        'control plane rejects telemetry since 2030-01-01T00:00:00.000Z: control plane answered 401 to POST /api/v1/telemetry: no details',
    });
  });

  it('keeps the provider status Error over the Warning of an unreachable control plane', async () => {
    const sink = new FakeSink();
    sink.failWith = unreachable();
    const reporter = new TelemetryReporter(
      sink,
      { ...identity, roles: ['MAIN'] },
      providers({ status: () => ({ status: 'Error', reason: 'storage unreadable' }) }),
    );
    await reporter.reportOnce();
    expect(reporter.status()).toEqual({ status: 'Error', reason: 'storage unreadable' });
  });

  it('exposes the ack, including a Warning for a duplicate worker id, and tells listeners', async () => {
    const sink = new FakeSink();
    sink.answer = { status: 'Warning', statusReason: 'duplicate worker id', version: 'v2' };
    const reporter = new TelemetryReporter(sink, { ...identity, roles: ['MAIN'] }, providers());
    const acks: TelemetryAck[] = [];
    const unsubscribe = reporter.onAck((ack) => acks.push(ack));
    reporter.onAck(() => {
      throw new Error('listener bug');
    });
    await reporter.reportOnce();
    expect(reporter.lastAck()).toEqual(sink.answer);
    expect(acks).toEqual([sink.answer]);
    unsubscribe();
    await reporter.reportOnce();
    expect(acks).toHaveLength(1);
  });

  it('sends a final Stopped report on stop', async () => {
    const sink = new FakeSink();
    const reporter = new TelemetryReporter(sink, { ...identity, roles: ['MAIN'] }, providers());
    reporter.start();
    await jest.advanceTimersByTimeAsync(0);
    await reporter.stop();
    expect(sink.reports.map((report) => report.status)).toEqual(['Active', 'Stopped']);
    expect(sink.reports[1]?.statusReason).toBe('shutting down');
    await jest.advanceTimersByTimeAsync(60_000);
    expect(sink.reports).toHaveLength(2);
  });

  it('gives up on the final report after the stop timeout when the control plane hangs', async () => {
    const sink = new FakeSink();
    const reporter = new TelemetryReporter(sink, { ...identity, roles: ['MAIN'] }, providers(), {
      stopTimeoutMs: 2000,
    });
    reporter.start();
    await jest.advanceTimersByTimeAsync(0);
    sink.hang = true;
    let stopped = false;
    const stopping = reporter.stop().then(() => (stopped = true));
    await jest.advanceTimersByTimeAsync(1999);
    expect(stopped).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    await stopping;
    expect(stopped).toBe(true);
  });

  it('does not turn Warning when a provider is broken, and says so', async () => {
    const sink = new FakeSink();
    const errors: string[] = [];
    const reporter = new TelemetryReporter(
      sink,
      { ...identity, roles: ['MAIN'] },
      providers({ leader: () => ({ isLeader: true, term: 1.5 }) }),
      { logger: { info: () => undefined, warn: () => undefined, error: (_o, msg) => errors.push(msg) } },
    );
    await expect(reporter.reportOnce()).resolves.toBe(true);
    expect(sink.reports).toHaveLength(0);
    expect(reporter.status().status).toBe('Active');
    expect(errors).toEqual(['telemetry report could not be built; skipping it']);
  });
});
