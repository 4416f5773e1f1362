import { toDatabaseConnectionError } from './classify-connection-error';
import { DatabaseConnectionError } from './database-connection-error';

const target = { masked: 'postgres://portico:****@db:6432/app', database: 'app', password: 'hunter2-secret' };
const pgError = (code: string, message: string): Error => Object.assign(new Error(message), { code });

describe('toDatabaseConnectionError', () => {
  it.each([
    [pgError('28P01', 'password authentication failed for user "portico"'), 'auth'],
    [new Error('SASL authentication failed'), 'auth'],
    [pgError('08P01', 'password authentication failed'), 'auth'],
    [pgError('3D000', 'database "app" does not exist'), 'database-missing'],
    [new Error('The server does not support SSL connections'), 'tls-unsupported'],
    [pgError('SELF_SIGNED_CERT_IN_CHAIN', 'self-signed certificate in certificate chain'), 'tls-untrusted'],
    [pgError('UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'unable to verify the first certificate'), 'tls-untrusted'],
    [
      pgError('ERR_TLS_CERT_ALTNAME_INVALID', "Hostname/IP does not match certificate's altnames"),
      'tls-hostname',
    ],
    [pgError('ENOTFOUND', 'getaddrinfo ENOTFOUND db'), 'dns'],
    [pgError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:6432'), 'unreachable'],
    [pgError('ETIMEDOUT', 'connect ETIMEDOUT'), 'timeout'],
    [new Error('Connection terminated due to connection timeout'), 'timeout'],
    [pgError('57P03', 'the database system is starting up'), 'server-unavailable'],
    [pgError('08P01', 'pgbouncer cannot connect to server'), 'server-unavailable'],
    [pgError('XX000', 'something odd'), 'unknown'],
  ])('classifies %s as %s', (error, kind) => {
    const wrapped = toDatabaseConnectionError(error, target);
    expect(wrapped).toBeInstanceOf(DatabaseConnectionError);
    expect(wrapped.kind).toBe(kind);
    expect(wrapped.message).toMatch(
      /^Cannot connect to postgres:\/\/portico:\*\*\*\*@db:6432\/app: .+\. [A-Z].+\.$/,
    );
    expect(wrapped.hint.length).toBeGreaterThan(10);
  });

  it('keeps the error code and never the password, even when the driver message contains it', () => {
    const wrapped = toDatabaseConnectionError(pgError('XX000', 'weird failure near hunter2-secret'), target);
    expect(wrapped.code).toBe('XX000');
    expect(wrapped.message).toContain('weird failure near ****');
    expect(`${wrapped.message}${wrapped.stack ?? ''}${JSON.stringify(wrapped)}`).not.toContain(
      'hunter2-secret',
    );
  });

  it('names the missing database', () => {
    expect(toDatabaseConnectionError(pgError('3D000', 'x'), target).message).toContain(
      'database "app" does not exist',
    );
  });
});
