// A one-shot probe used at start-up and by health checks: it proves the URI, TLS, credentials
// and database are right, and turns any failure into a DatabaseConnectionError.
import { Client, type Pool } from 'pg';

import { toDatabaseConnectionError } from '../errors/classify-connection-error';
import { parseDatabaseUrl } from '../url/database-url';
import { maskDatabaseUrl } from '../url/mask-database-url';
import { connectionConfig } from './create-pool';

export interface ConnectionInfo {
  /** `server_version` as PostgreSQL reports it, e.g. `15.14 (Debian 15.14-0+deb12u1)`. */
  serverVersion: string;
  /** `server_version_num`, e.g. 150014. */
  serverVersionNum: number;
  database: string;
  user: string;
}

const PROBE_SQL = `SELECT current_setting('server_version') AS server_version,
  current_setting('server_version_num')::int AS server_version_num,
  current_database() AS database, current_user AS "user"`;

interface ProbeRow {
  server_version: string;
  server_version_num: number;
  database: string;
  user: string;
}

function toInfo(row: ProbeRow | undefined): ConnectionInfo {
  if (!row) throw new Error('the connection probe returned no row');
  return {
    serverVersion: row.server_version,
    serverVersionNum: row.server_version_num,
    database: row.database,
    user: row.user,
  };
}

/**
 * Connects once and reads the server version. With a URL, a dedicated client is opened and
 * closed; with a pool, one of its connections is used. Throws DatabaseConnectionError.
 */
export async function checkConnection(
  target: string | Pool,
  options: { timeoutMillis?: number } = {},
): Promise<ConnectionInfo> {
  if (typeof target !== 'string') {
    try {
      const result = await target.query<ProbeRow>(PROBE_SQL);
      return toInfo(result.rows[0]);
    } catch (error) {
      const { host, port, database, user } = target.options;
      const masked = maskDatabaseUrl(
        `postgres://${user ?? ''}@${host ?? ''}:${port ?? ''}/${database ?? ''}`,
      );
      const password = typeof target.options.password === 'string' ? target.options.password : undefined;
      throw toDatabaseConnectionError(error, { masked, database: database ?? '', password });
    }
  }

  const url = parseDatabaseUrl(target);
  const client = new Client({
    ...connectionConfig(url),
    connectionTimeoutMillis: options.timeoutMillis ?? 10_000,
  });
  // A client that fails mid-handshake may also emit 'error'; the rejection below reports it.
  client.on('error', () => undefined);
  try {
    await client.connect();
    const result = await client.query<ProbeRow>(PROBE_SQL);
    return toInfo(result.rows[0]);
  } catch (error) {
    throw toDatabaseConnectionError(error, url);
  } finally {
    await client.end().catch(() => undefined);
  }
}
