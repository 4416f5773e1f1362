// A pg.Pool that is safe behind pgBouncer in transaction mode. What that rules out, and how:
// - session state: no `options`/`statement_timeout` startup parameters (pgBouncer rejects them,
//   and they would leak between clients); only `application_name`, which pgBouncer tracks.
// - LISTEN/NOTIFY and session advisory locks: never used by this library; callers use
//   pg_advisory_xact_lock and polling instead.
// - named prepared statements: node-postgres only prepares a named statement when a query is
//   given a `name`; unnamed parameterised queries are safe, so callers must not pass `name`.
import { Pool, type PoolConfig } from 'pg';

import { toDatabaseConnectionError } from '../errors/classify-connection-error';
import { parseDatabaseUrl, type DatabaseUrl } from '../url/database-url';
import { buildTlsOptions } from '../url/tls-options';

export interface DbLogger {
  info(obj: object, msg?: string): void;
  warn?(obj: object, msg?: string): void;
}

export interface CreatePoolOptions {
  /** Connections this process may hold; pgBouncer multiplexes them. Default 10. */
  max?: number;
  /** Shown in pg_stat_activity and pgBouncer's SHOW CLIENTS. Overrides the URI's application_name. */
  applicationName?: string;
  /** Default 10 s: long enough for a TLS handshake to a busy pgBouncer, short enough to fail fast. */
  connectionTimeoutMillis?: number;
  /** Default 10 s, so idle connections are given back to pgBouncer promptly. */
  idleTimeoutMillis?: number;
  /** Receives errors of idle connections (e.g. pgBouncer restarted); they are not fatal. */
  logger?: DbLogger;
}

/** The pg connection settings for a URI, shared by createPool and createBoss. */
export function connectionConfig(url: DatabaseUrl, applicationName?: string): PoolConfig {
  return {
    host: url.host,
    port: url.port,
    database: url.database,
    user: url.user,
    password: url.password,
    ssl: buildTlsOptions(url),
    application_name: applicationName ?? url.applicationName,
    keepAlive: true,
  };
}

export function createPool(url: string, options: CreatePoolOptions = {}): Pool {
  const parsed = parseDatabaseUrl(url);
  const pool = new Pool({
    ...connectionConfig(parsed, options.applicationName),
    max: options.max ?? 10,
    connectionTimeoutMillis: options.connectionTimeoutMillis ?? 10_000,
    idleTimeoutMillis: options.idleTimeoutMillis ?? 10_000,
  });
  // Without a listener, an idle connection dropped by pgBouncer or PostgreSQL (restart, failover)
  // raises an unhandled 'error' event and kills the process; the pool replaces it on next use.
  pool.on('error', (error) => {
    const wrapped = toDatabaseConnectionError(error, parsed);
    const logger = options.logger;
    const entry = { err: { message: wrapped.message, kind: wrapped.kind } };
    if (logger?.warn) logger.warn(entry, 'idle database connection lost');
    else logger?.info(entry, 'idle database connection lost');
  });
  return pool;
}

export type { DatabaseUrl };
