// Real connection failures, through the harness pgBouncer, become one clear DatabaseConnectionError
// each, and the password never shows.
import { createServer, type Server } from 'node:net';
import { harness, useTestDatabase } from '@portico/testing';

import {
  DatabaseConnectionError,
  checkConnection,
  createPool,
  type DatabaseConnectionErrorKind,
} from '../index';

const db = useTestDatabase();
const WRONG_PASSWORD = 'Wr0ng-Pa55word-never-shown';

async function expectFailure(
  url: string,
  kind: DatabaseConnectionErrorKind,
  secret: string,
  timeoutMillis?: number,
): Promise<DatabaseConnectionError> {
  let thrown: unknown;
  try {
    await checkConnection(url, timeoutMillis ? { timeoutMillis } : {});
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(DatabaseConnectionError);
  const error = thrown as DatabaseConnectionError;
  expect(error.kind).toBe(kind);
  expect(error.message).toContain(':****@');
  expect(`${error.message}\n${error.hint}\n${error.stack ?? ''}\n${JSON.stringify(error)}`).not.toContain(
    secret,
  );
  expect(error.message.split('\n')).toHaveLength(1);
  return error;
}

describe('through pgBouncer', () => {
  it('connects and reports the server version', async () => {
    const info = await checkConnection(db.url);
    expect(info).toMatchObject({ database: db.name, user: 'portico' });
    expect(info.serverVersionNum).toBeGreaterThanOrEqual(130000);
  });

  it('serves parameterised queries from a pool (unnamed statements only)', async () => {
    const pool = createPool(db.url, { applicationName: 'pool-test', max: 4 });
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => pool.query<{ n: number }>('SELECT $1::int AS n', [i])),
    );
    expect(results.map((result) => result.rows[0]?.n)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    await expect(checkConnection(pool)).resolves.toMatchObject({ database: db.name });
    await pool.end();
  });
});

describe('TLS', () => {
  it('verify-full with the harness CA connects, by IP and by name', async () => {
    const ca = harness().tls.caCertFile;
    for (const host of ['127.0.0.1', 'localhost']) {
      const url = harness().pgbouncerUrl(db.name, {
        host,
        sslmode: 'verify-full',
        sslrootcert: ca,
        applicationName: 'tls-verify-full',
      });
      await expect(checkConnection(url)).resolves.toMatchObject({ database: db.name });
    }
  });

  it('really encrypts: pgBouncer reports the client connection as TLS', async () => {
    const url = harness().pgbouncerUrl(db.name, {
      sslmode: 'verify-full',
      sslrootcert: harness().tls.caCertFile,
    });
    const pool = createPool(url, { applicationName: 'tls-visible', max: 1 });
    const client = await pool.connect();
    try {
      const admin = createPool(harness().pgbouncerAdminUrl, { max: 1 });
      const clients = (await admin.query<{ application_name: string; tls: string }>('SHOW CLIENTS')).rows;
      await admin.end();
      expect(clients.find((row) => row.application_name === 'tls-visible')?.tls).toMatch(/TLSv1\.[23]/);
    } finally {
      client.release();
      await pool.end();
    }
  });

  it('a certificate from another CA is refused as untrusted', async () => {
    const url = harness().pgbouncerUrl(db.name, {
      sslmode: 'verify-full',
      sslrootcert: harness().tls.wrongCaCertFile,
    });
    const error = await expectFailure(url, 'tls-untrusted', harness().state.postgres.password);
    expect(error.hint).toContain('sslrootcert');
  });

  it('a host name the certificate does not list is refused under verify-full, accepted under verify-ca', async () => {
    // 127.1 reaches 127.0.0.1 but is not a name or IP in the certificate.
    const options = { host: '127.1', sslrootcert: harness().tls.caCertFile } as const;
    await expectFailure(
      harness().pgbouncerUrl(db.name, { ...options, sslmode: 'verify-full' }),
      'tls-hostname',
      harness().state.postgres.password,
    );
    await expect(
      checkConnection(harness().pgbouncerUrl(db.name, { ...options, sslmode: 'verify-ca' })),
    ).resolves.toMatchObject({ database: db.name });
  });

  it('a server without TLS is reported as such', async () => {
    // The harness PostgreSQL itself has no TLS; only pgBouncer offers it.
    await expectFailure(
      harness().postgresUrl(db.name, { sslmode: 'require' }),
      'tls-unsupported',
      harness().state.postgres.password,
    );
  });

  it('an unreadable sslrootcert is named', async () => {
    const url = harness().pgbouncerUrl(db.name, {
      sslmode: 'verify-full',
      sslrootcert: `${harness().tmpDir}/missing-ca.pem`,
    });
    const error = await expectFailure(url, 'tls-config', harness().state.postgres.password);
    expect(error.message).toContain('missing-ca.pem');
  });
});

describe('clear failures', () => {
  it('a wrong password is an authentication error that does not show the password', async () => {
    const error = await expectFailure(
      harness().pgbouncerUrl(db.name, { password: WRONG_PASSWORD }),
      'auth',
      WRONG_PASSWORD,
    );
    expect(error.message).toContain(
      `postgres://portico:****@127.0.0.1:${harness().state.pgbouncer.port}/${db.name}`,
    );
  });

  it('a missing database is named', async () => {
    const error = await expectFailure(
      harness().pgbouncerUrl('no_such_database'),
      'database-missing',
      harness().state.postgres.password,
    );
    expect(error.message).toContain('database "no_such_database" does not exist');
  });

  it('a port nobody listens on is unreachable', async () => {
    const server = createServer();
    const port = await new Promise<number>((resolve) =>
      server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)),
    );
    await new Promise((resolve) => server.close(resolve));
    await expectFailure(
      harness().pgbouncerUrl(db.name, {}).replace(`:${harness().state.pgbouncer.port}/`, `:${port}/`),
      'unreachable',
      harness().state.postgres.password,
    );
  });

  it('a host name that does not resolve is a DNS error', async () => {
    await expectFailure(
      harness().pgbouncerUrl(db.name, { host: 'portico-db.invalid' }),
      'dns',
      harness().state.postgres.password,
    );
  });

  it('a server that never answers is a timeout', async () => {
    const sockets: Array<{ destroy(): void }> = [];
    const server: Server = createServer((socket) => sockets.push(socket));
    const port = await new Promise<number>((resolve) =>
      server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)),
    );
    try {
      const url = harness().pgbouncerUrl(db.name).replace(`:${harness().state.pgbouncer.port}/`, `:${port}/`);
      await expectFailure(url, 'timeout', harness().state.postgres.password, 300);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('a bad URI is refused before any connection', async () => {
    await expectFailure('mysql://portico:Secret123@127.0.0.1/db', 'invalid-url', 'Secret123');
  });
});
