import { Writable } from 'node:stream';
import { createLogger } from './logger';
import { scrubSecrets } from './redact';

function capture(): { stream: Writable; lines: () => Array<Record<string, unknown>>; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk.toString());
      callback();
    },
  });
  const text = (): string => chunks.join('');
  return {
    stream,
    text,
    lines: () =>
      text()
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

describe('logger', () => {
  it('writes one JSON line per event with the app and base fields', () => {
    const out = capture();
    const logger = createLogger({
      app: 'checksum-worker',
      base: { workerId: 'w-1' },
      destination: out.stream,
    });
    logger.info({ file: 'a.mov' }, 'hashed');
    logger.warn('slow disk');
    const [first, second] = out.lines();
    expect(first).toMatchObject({
      level: 'info',
      app: 'checksum-worker',
      workerId: 'w-1',
      file: 'a.mov',
      msg: 'hashed',
    });
    expect(second).toMatchObject({ level: 'warn', msg: 'slow disk' });
  });

  it('redacts secret fields at any of the first three levels', () => {
    const out = capture();
    const logger = createLogger({ app: 't', destination: out.stream });
    logger.info(
      {
        password: 'p-1',
        config: { 'auth-token': 'p-2', databaseUrl: 'postgres://u:p-3@h/d' },
        a: { b: { adminToken: 'p-4' } },
      },
      'x',
    );
    expect(out.text()).not.toMatch(/p-[1-4]/);
    expect(out.lines()[0]).toMatchObject({
      password: '****',
      config: { 'auth-token': '****', databaseUrl: '****' },
    });
  });

  it('scrubs credentials from messages and error texts', () => {
    const out = capture();
    const logger = createLogger({ app: 't', destination: out.stream });
    logger.error(
      { err: new Error('connect to postgres://portico:s3cr3t@db:5432/x failed') },
      'with Bearer abc.def.ghi',
    );
    expect(out.text()).not.toContain('s3cr3t');
    expect(out.text()).not.toContain('abc.def.ghi');
    expect(out.lines()[0]).toMatchObject({
      msg: 'with Bearer ****',
      err: { message: 'connect to postgres://portico:****@db:5432/x failed' },
    });
  });
});

describe('scrubSecrets', () => {
  it.each([
    ['postgres://user:pw@host:5432/db', 'postgres://user:****@host:5432/db'],
    ['redis://:pw@127.0.0.1:6379', 'redis://:****@127.0.0.1:6379'],
    ['https://h/api?token=abc&x=1', 'https://h/api?token=****&x=1'],
    ['postgres://user@host/db (no password)', 'postgres://user@host/db (no password)'],
    ['Authorization: Bearer tok_123', 'Authorization: Bearer ****'],
  ])('%s', (input, expected) => {
    expect(scrubSecrets(input)).toBe(expected);
  });
});
