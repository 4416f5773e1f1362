import { DatabaseConnectionError } from '../errors/database-connection-error';
import { parseDatabaseUrl } from './database-url';
import { maskDatabaseUrl } from './mask-database-url';

describe('parseDatabaseUrl', () => {
  it('parses user, encoded password, host, port, database and TLS parameters', () => {
    const url = parseDatabaseUrl(
      'postgresql://us%40er:p%40ss%2Fw@db.example:6432/portico?sslmode=verify-full&sslrootcert=/etc/ca.pem&application_name=node-1',
    );
    expect(url).toEqual({
      masked:
        'postgresql://us%40er:****@db.example:6432/portico?sslmode=verify-full&sslrootcert=/etc/ca.pem&application_name=node-1',
      host: 'db.example',
      port: 6432,
      database: 'portico',
      user: 'us@er',
      password: 'p@ss/w',
      applicationName: 'node-1',
      sslMode: 'verify-full',
      sslRootCert: '/etc/ca.pem',
      sslCert: undefined,
      sslKey: undefined,
    });
  });

  it('defaults to port 5432 and sslmode=disable', () => {
    expect(parseDatabaseUrl('postgres://u:p@h/db')).toMatchObject({ port: 5432, sslMode: 'disable' });
  });

  it.each([
    ['not a url', /cannot be parsed/],
    ['u:secretpw@host/db', /cannot be parsed|scheme/],
    ['postgres://u:secret/pw@h/db', /cannot be parsed|invalid port/],
    ['mysql://u:secretpw@h/db', /scheme "mysql"/],
    ['postgres://u:secretpw@h', /names no database/],
    ['postgres://:secretpw@h/db', /names no user/],
    ['postgres://u:secretpw@h/db?sslmode=maybe', /sslmode "maybe" is not supported/],
    ['postgres://u:secretpw@h/db?options=-c%20statement_timeout%3D5', /pgBouncer/],
  ])('rejects %s with a clear error that hides the password', (input, message) => {
    let thrown: unknown;
    try {
      parseDatabaseUrl(input);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(DatabaseConnectionError);
    const error = thrown as DatabaseConnectionError;
    expect(error.kind).toBe('invalid-url');
    expect(error.message).toMatch(message);
    expect(`${error.message} ${error.hint} ${error.stack ?? ''} ${JSON.stringify(error)}`).not.toContain(
      'secretpw',
    );
  });
});

describe('maskDatabaseUrl', () => {
  it.each([
    ['postgres://u:secret@h:5432/db', 'postgres://u:****@h:5432/db'],
    ['postgres://u@h/db', 'postgres://u@h/db'],
    [
      'postgres://h/db?user=u&password=secret&sslmode=require',
      'postgres://h/db?user=u&password=****&sslmode=require',
    ],
    ['postgres://u:sec@ret:with:colons@h/db', 'postgres://u:****@h/db'],
    ['postgres://u:pa/ss@h/db', 'postgres://u:****@h/db'],
    ['u:secret@host/db', 'u:****@host/db'],
    ['postgres://h:5432/db', 'postgres://h:5432/db'],
  ])('%s → %s', (input, expected) => {
    expect(maskDatabaseUrl(input)).toBe(expected);
  });
});
