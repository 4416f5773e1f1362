import { LogBatch } from '@portico/control-plane-client';
import pino from 'pino';
import { BoundedLineQueue } from './bounded-queue';
import { parseLogLine } from './log-line';
import { LogShipper } from './log-shipper';
import { LogSink } from './ports';

const WORKER_ID = 'c9e1a0f4-8f5e-4b8b-a7a4-0d6f8f0b7e21';

class FakeLogSink extends LogSink {
  batches: LogBatch[] = [];
  attempts = 0;
  failing = false;
  hang = false;
  shipLogs(batch: Parameters<LogSink['shipLogs']>[0]): Promise<void> {
    this.attempts += 1;
    if (this.hang) return new Promise(() => undefined);
    if (this.failing) return Promise.reject(new Error('control plane at http://cp is unreachable'));
    this.batches.push(LogBatch.parse(batch));
    return Promise.resolve();
  }
  messages(): string[] {
    return this.batches.flatMap((batch) => batch.entries.map((entry) => entry.message));
  }
}

const line = (n: number, extra: Record<string, unknown> = {}) =>
  `${JSON.stringify({ level: 'info', time: '2030-01-01T00:00:00.000Z', msg: `line ${n}`, ...extra })}\n`;

describe('parseLogLine', () => {
  const now = new Date('2030-01-01T00:00:05.000Z');

  it('splits a pino line into the contract entry', () => {
    const entry = parseLogLine(
      JSON.stringify({
        level: 'error',
        time: '2030-01-01T00:00:01.000Z',
        msg: 'boom',
        app: 'gateway',
        err: { message: 'x' },
      }),
      now,
    );
    expect(entry).toEqual({
      level: 'error',
      time: '2030-01-01T00:00:01.000Z',
      message: 'boom',
      fields: { app: 'gateway', err: { message: 'x' } },
    });
  });

  it('maps numeric levels and epoch times, and keeps a non-JSON line as an info message', () => {
    expect(parseLogLine(JSON.stringify({ level: 40, time: 1_893_456_000_000, msg: 'w' }), now)).toEqual({
      level: 'warn',
      time: '2030-01-01T00:00:00.000Z',
      message: 'w',
    });
    expect(parseLogLine('plain text', now)).toEqual({
      level: 'info',
      time: now.toISOString(),
      message: 'plain text',
    });
  });

  it('truncates long messages to what the API accepts and applies the scrubber to strings', () => {
    const long = parseLogLine(JSON.stringify({ msg: 'x'.repeat(20_000) }), now);
    expect(long.message).toHaveLength(16_384);
    const scrub = (text: string) => text.replace(/hunter2/g, '****');
    const entry = parseLogLine(
      JSON.stringify({ msg: 'pw hunter2', nested: { url: 'u:hunter2@h', list: ['hunter2'] } }),
      now,
      scrub,
    );
    expect(entry.message).toBe('pw ****');
    expect(entry.fields).toEqual({ nested: { url: 'u:****@h', list: ['****'] } });
  });
});

describe('BoundedLineQueue', () => {
  it('drops the oldest lines beyond the line or byte bound', () => {
    const queue = new BoundedLineQueue(3, 100);
    expect([1, 2, 3, 4].map((n) => queue.push(`l${n}`, 10))).toEqual([0, 0, 0, 1]);
    expect(queue.take(10, 1000).map((item) => item.line)).toEqual(['l2', 'l3', 'l4']);
    const bytes = new BoundedLineQueue(100, 25);
    bytes.push('a', 10);
    bytes.push('b', 10);
    expect(bytes.push('c', 10)).toBe(1);
    expect(bytes.bytes).toBe(20);
  });

  it('takes within the byte bound but always at least one line', () => {
    const queue = new BoundedLineQueue(10, 1000);
    queue.push('big', 500);
    queue.push('small', 10);
    expect(queue.take(10, 100).map((item) => item.line)).toEqual(['big']);
  });
});

describe('LogShipper', () => {
  beforeEach(() => jest.useFakeTimers({ now: new Date('2030-01-01T00:00:00Z') }));
  afterEach(() => jest.useRealTimers());

  it('ships what waits every flush interval, in batches of at most 500 lines, in order', async () => {
    const sink = new FakeLogSink();
    const shipper = new LogShipper(sink, { workerId: WORKER_ID, batchTrigger: 10_000 });
    shipper.start();
    for (let n = 0; n < 1200; n++) shipper.write(line(n));
    await jest.advanceTimersByTimeAsync(999);
    expect(sink.batches).toHaveLength(0);
    await jest.advanceTimersByTimeAsync(1);
    expect(sink.batches.map((batch) => batch.entries.length)).toEqual([500]);
    await jest.advanceTimersByTimeAsync(2000);
    expect(sink.batches.map((batch) => batch.entries.length)).toEqual([500, 500, 200]);
    expect(sink.messages()).toEqual(Array.from({ length: 1200 }, (_, n) => `line ${n}`));
    expect(sink.batches[0]).toMatchObject({ workerId: WORKER_ID, dropped: 0 });
    await shipper.stop();
  });

  it('ships at once when the batch trigger is reached', async () => {
    const sink = new FakeLogSink();
    const shipper = new LogShipper(sink, { workerId: WORKER_ID, batchTrigger: 200 });
    shipper.start();
    for (let n = 0; n < 199; n++) shipper.write(line(n));
    await jest.advanceTimersByTimeAsync(0);
    expect(sink.batches).toHaveLength(0);
    shipper.write(line(199));
    await jest.advanceTimersByTimeAsync(0);
    expect(sink.batches.map((batch) => batch.entries.length)).toEqual([200]);
    await shipper.stop();
  });

  it('takes a pino multistream destination next to stdout, one entry per line', async () => {
    const sink = new FakeLogSink();
    const shipper = new LogShipper(sink, { workerId: WORKER_ID });
    const logger = pino(
      {
        base: { app: 'gateway' },
        timestamp: pino.stdTimeFunctions.isoTime,
        formatters: { level: (label) => ({ level: label }) },
      },
      pino.multistream([{ stream: shipper, level: 'info' }]),
    );
    logger.info({ file: 'a.mov' }, 'ingested');
    logger.error('failed');
    await shipper.stop();
    const entries = sink.batches[0]?.entries ?? [];
    expect(entries.map((entry) => [entry.level, entry.message])).toEqual([
      ['info', 'ingested'],
      ['error', 'failed'],
    ]);
    expect(entries[0]?.fields).toMatchObject({ app: 'gateway', file: 'a.mov' });
  });

  it('keeps a bounded buffer while the control plane is down, counting dropped lines and reporting them once', async () => {
    const sink = new FakeLogSink();
    sink.failing = true;
    const states: boolean[] = [];
    const shipper = new LogShipper(sink, {
      workerId: WORKER_ID,
      maxBufferedLines: 1000,
      batchTrigger: 200,
      random: () => 1,
      onStateChange: (state) => states.push(state.failing),
    });
    shipper.start();
    for (let n = 0; n < 5000; n++) expect(shipper.write(line(n))).toBe(true);
    await jest.advanceTimersByTimeAsync(60_000);
    expect(shipper.stats()).toMatchObject({ buffered: 1000, failing: true });
    expect(shipper.stats().droppedPending).toBe(4000);
    expect(states).toEqual([true]);

    sink.failing = false;
    await jest.advanceTimersByTimeAsync(40_000);
    expect(states).toEqual([true, false]);
    expect(sink.messages()).toEqual(Array.from({ length: 1000 }, (_, n) => `line ${4000 + n}`));
    expect(sink.batches.map((batch) => batch.dropped)).toEqual([4000, 0]);
    expect(shipper.stats()).toMatchObject({
      buffered: 0,
      droppedPending: 0,
      droppedTotal: 4000,
      shipped: 1000,
    });
    await shipper.stop();
  });

  it('bounds the buffer by bytes too', () => {
    const sink = new FakeLogSink();
    const shipper = new LogShipper(sink, { workerId: WORKER_ID, maxBufferedBytes: 10_000 });
    for (let n = 0; n < 100; n++) shipper.write(line(n, { pad: 'x'.repeat(900) }));
    expect(shipper.stats().bufferedBytes).toBeLessThanOrEqual(10_000);
    expect(shipper.stats().buffered + shipper.stats().droppedTotal).toBe(100);
  });

  it('retries a failed batch with backoff, without losing or reordering lines', async () => {
    const sink = new FakeLogSink();
    sink.failing = true;
    const shipper = new LogShipper(sink, { workerId: WORKER_ID, batchTrigger: 10_000, random: () => 1 });
    shipper.start();
    for (let n = 0; n < 700; n++) shipper.write(line(n));
    await jest.advanceTimersByTimeAsync(1000); // first attempt fails
    expect(sink.attempts).toBe(1);
    await jest.advanceTimersByTimeAsync(999); // backoff 1 s
    expect(sink.attempts).toBe(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(sink.attempts).toBe(2);
    await jest.advanceTimersByTimeAsync(2000); // then 2 s
    expect(sink.attempts).toBe(3);
    for (let n = 700; n < 800; n++) shipper.write(line(n)); // written during the outage
    sink.failing = false;
    await jest.advanceTimersByTimeAsync(4000);
    await jest.advanceTimersByTimeAsync(2000);
    expect(sink.messages()).toEqual(Array.from({ length: 800 }, (_, n) => `line ${n}`));
    await shipper.stop();
  });

  it('flushes everything on stop and ignores lines written after', async () => {
    const sink = new FakeLogSink();
    const shipper = new LogShipper(sink, { workerId: WORKER_ID, batchTrigger: 10_000 });
    shipper.start();
    for (let n = 0; n < 1100; n++) shipper.write(line(n));
    await expect(shipper.stop()).resolves.toEqual({ left: 0 });
    expect(sink.batches.map((batch) => batch.entries.length)).toEqual([500, 500, 100]);
    shipper.write(line(2000));
    await jest.advanceTimersByTimeAsync(10_000);
    expect(sink.messages()).toHaveLength(1100);
  });

  it('bounds the flush on stop when the control plane hangs', async () => {
    const sink = new FakeLogSink();
    sink.hang = true;
    const shipper = new LogShipper(sink, { workerId: WORKER_ID, stopTimeoutMs: 2000 });
    shipper.start();
    shipper.write(line(1));
    let result: { left: number } | undefined;
    const stopping = shipper.stop().then((value) => (result = value));
    await jest.advanceTimersByTimeAsync(1999);
    expect(result).toBeUndefined();
    await jest.advanceTimersByTimeAsync(1);
    await stopping;
    expect(result).toEqual({ left: 0 }); // the one line is in the abandoned request
  });

  it('filters lines below the minimum level', async () => {
    const sink = new FakeLogSink();
    const shipper = new LogShipper(sink, { workerId: WORKER_ID, minLevel: 'warn' });
    shipper.write(line(1));
    shipper.write(Buffer.from(line(2, { level: 'error' })));
    shipper.write(line(3, { level: 'warn' }));
    await expect(shipper.shipOnce()).resolves.toBe(true);
    expect(sink.messages()).toEqual(['line 2', 'line 3']);
  });

  it('never throws into the logger, and withholds (and counts) lines its scrubber fails on', async () => {
    const sink = new FakeLogSink();
    const shipper = new LogShipper(sink, {
      workerId: WORKER_ID,
      scrub: (text) => {
        if (text.includes('weird')) throw new Error('scrubber bug');
        return text;
      },
    });
    expect(shipper.write(line(1))).toBe(true);
    expect(() => shipper.write(line(2, { msg: 'weird' }))).not.toThrow();
    expect(shipper.write(line(3))).toBe(true);
    await expect(shipper.shipOnce()).resolves.toBe(true);
    expect(sink.batches.map((batch) => batch.dropped)).toEqual([1]);
    expect(sink.messages()).toEqual(['line 1', 'line 3']);
  });
});
