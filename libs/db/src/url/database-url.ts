// Parses a PostgreSQL URI into what `pg` needs. The TLS query parameters are taken out before the
// rest goes to pg-connection-string, because that library reads certificate files itself and
// would throw raw file-system errors; TLS is built explicitly in tls-options.ts instead.
import { parse } from 'pg-connection-string';

import { DatabaseConnectionError } from '../errors/database-connection-error';
import { maskDatabaseUrl } from './mask-database-url';

export const SSL_MODES = ['disable', 'prefer', 'require', 'verify-ca', 'verify-full'] as const;
export type SslMode = (typeof SSL_MODES)[number];

export interface DatabaseUrl {
  /** The URI with its password masked, safe for logs and messages. */
  masked: string;
  host: string;
  port: number;
  database: string;
  user: string;
  password: string | undefined;
  applicationName: string | undefined;
  sslMode: SslMode;
  sslRootCert: string | undefined;
  sslCert: string | undefined;
  sslKey: string | undefined;
}

const TLS_PARAMS = ['sslmode', 'sslrootcert', 'sslcert', 'sslkey'] as const;
// Startup parameters pgBouncer rejects (or that would pin session state) are refused up front,
// with a message, instead of failing later on the first connection.
const SESSION_PARAMS = ['options'] as const;

function invalid(url: string, problem: string, hint: string): DatabaseConnectionError {
  return new DatabaseConnectionError({
    kind: 'invalid-url',
    maskedUrl: maskDatabaseUrl(url),
    problem,
    hint,
  });
}

function isSslMode(value: string): value is SslMode {
  return (SSL_MODES as readonly string[]).includes(value);
}

export function parseDatabaseUrl(url: string): DatabaseUrl {
  const masked = maskDatabaseUrl(url);
  let parsedUrl: URL;
  try {
    parsedUrl = new URL(url);
  } catch {
    // The URL constructor's error carries the whole input (password included), so it is dropped.
    throw invalid(
      url,
      'the database URI cannot be parsed',
      'write it as postgres://user:password@host:port/database',
    );
  }
  if (parsedUrl.protocol !== 'postgres:' && parsedUrl.protocol !== 'postgresql:') {
    throw invalid(
      url,
      `the database URI has scheme "${parsedUrl.protocol.replace(/:$/, '')}"`,
      'use a postgres:// or postgresql:// URI',
    );
  }
  for (const name of SESSION_PARAMS) {
    if (parsedUrl.searchParams.has(name)) {
      throw invalid(
        url,
        `the database URI sets "${name}", which sends session settings pgBouncer (transaction mode) cannot keep`,
        `remove "${name}" and set per-role defaults on the server (ALTER ROLE ... SET) instead`,
      );
    }
  }

  const sslModeRaw = parsedUrl.searchParams.get('sslmode') ?? 'disable';
  if (!isSslMode(sslModeRaw)) {
    throw invalid(url, `sslmode "${sslModeRaw}" is not supported`, `use one of ${SSL_MODES.join(', ')}`);
  }
  const tlsValues = Object.fromEntries(
    TLS_PARAMS.map((name) => [name, parsedUrl.searchParams.get(name) ?? undefined]),
  );
  for (const name of TLS_PARAMS) parsedUrl.searchParams.delete(name);

  const options = parse(parsedUrl.toString());
  if (!options.host) {
    throw invalid(
      url,
      'the database URI has no host',
      'write it as postgres://user:password@host:port/database',
    );
  }
  const port = options.port ? Number(options.port) : 5432;
  if (!Number.isInteger(port) || port <= 0 || port > 65535) {
    throw invalid(
      url,
      `the database URI has an invalid port "${options.port ?? ''}"`,
      'use a port between 1 and 65535',
    );
  }
  if (!options.database) {
    throw invalid(
      url,
      'the database URI names no database',
      'add the database name as the URI path: .../database',
    );
  }
  if (!options.user) {
    throw invalid(url, 'the database URI names no user', 'add the user: postgres://user:password@host/...');
  }

  return {
    masked,
    host: options.host,
    port,
    database: options.database,
    user: options.user,
    password: options.password,
    applicationName: options.application_name,
    sslMode: sslModeRaw,
    sslRootCert: tlsValues.sslrootcert,
    sslCert: tlsValues.sslcert,
    sslKey: tlsValues.sslkey,
  };
}
