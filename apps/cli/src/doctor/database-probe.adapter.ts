import { TLSSocket } from 'node:tls';
import { Client, type Pool } from 'pg';
import { DatabaseClockRepository, measureClockSkew, type ClockSkew } from '@portico/cluster';
import {
  buildTlsOptions,
  checkConnection,
  createPool,
  parseDatabaseUrl,
  toDatabaseConnectionError,
  type ConnectionInfo,
  type DatabaseUrl,
} from '@portico/db';
import type { PoolerProbe, TlsFacts } from './doctor-report';

const TIMEOUT_MS = 5000;

/** One node's database, as doctor sees it: one connection through the configured URI. */
export class DatabaseProbe {
  readonly target: DatabaseUrl;
  private readonly pool: Pool;

  /** Throws DatabaseConnectionError (password masked) when the URI is invalid. */
  constructor(url: string) {
    this.target = parseDatabaseUrl(url);
    this.pool = createPool(url, {
      max: 1,
      applicationName: 'portico-doctor',
      connectionTimeoutMillis: TIMEOUT_MS,
    });
  }

  /** Connects, reads the server version and looks at the socket. Throws DatabaseConnectionError. */
  async connect(): Promise<{ info: ConnectionInfo; tls: TlsFacts; latencyMs: number }> {
    const started = performance.now();
    let encrypted = false;
    let protocol: string | undefined;
    try {
      const client = await this.pool.connect();
      const stream = (client as unknown as { connection?: { stream?: unknown } }).connection?.stream;
      if (stream instanceof TLSSocket) {
        encrypted = true;
        protocol = stream.getProtocol() ?? undefined;
      }
      client.release();
    } catch (error) {
      throw toDatabaseConnectionError(error, this.target);
    }
    const info = await checkConnection(this.pool);
    const latencyMs = Math.round((performance.now() - started) * 10) / 10;
    const { sslMode, sslRootCert, host } = this.target;
    const verifies =
      sslMode === 'verify-full'
        ? 'host'
        : sslMode === 'verify-ca' || (sslMode === 'require' && sslRootCert)
          ? 'chain'
          : 'nothing';
    return { info, latencyMs, tls: { sslMode, host, encrypted, protocol, verifies } };
  }

  /**
   * Asks pgBouncer's admin console (the `pgbouncer` database, same credentials) for the pool
   * mode in force for this database and user. PostgreSQL answering instead means no pgBouncer.
   */
  async pooler(): Promise<PoolerProbe> {
    const { host, port, user, password } = this.target;
    const client = new Client({
      host,
      port,
      user,
      password,
      database: 'pgbouncer',
      ssl: buildTlsOptions(this.target),
      application_name: 'portico-doctor',
      connectionTimeoutMillis: TIMEOUT_MS,
    });
    client.on('error', () => undefined);
    try {
      await client.connect();
    } catch (error) {
      // 3D000: PostgreSQL has no database "pgbouncer"; pgBouncer always has its console.
      if (sqlState(error) === '3D000') return { kind: 'direct' };
      return { kind: 'no-access', reason: messageOf(error) };
    }
    try {
      // The admin console speaks the simple query protocol only: no parameters here.
      const config = await client.query<{ key: string; value: string }>('SHOW CONFIG');
      const global = config.rows.find((row) => row.key === 'pool_mode')?.value;
      if (!global) return { kind: 'no-access', reason: 'SHOW CONFIG has no pool_mode' };
      const version = await firstValue(client, 'SHOW VERSION');
      const pools = await rows(client, 'SHOW POOLS');
      const pool = pools.find((row) => row.database === this.target.database && row.user === user);
      if (typeof pool?.pool_mode === 'string' && pool.pool_mode)
        return { kind: 'pgbouncer', poolMode: pool.pool_mode, version, from: `pool ${this.target.database}` };
      const databases = await rows(client, 'SHOW DATABASES');
      const database = databases.find((row) => row.name === this.target.database);
      if (typeof database?.pool_mode === 'string' && database.pool_mode)
        return {
          kind: 'pgbouncer',
          poolMode: database.pool_mode,
          version,
          from: `database ${this.target.database}`,
        };
      return { kind: 'pgbouncer', poolMode: global, version, from: 'global setting' };
    } catch (error) {
      // PostgreSQL with a real database named "pgbouncer" does not know SHOW CONFIG.
      const state = sqlState(error);
      if (state === '42704' || state === '42601') return { kind: 'direct' };
      return { kind: 'no-access', reason: messageOf(error) };
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  /** This machine's clock against the database's (through the same URI). */
  clockSkew(): Promise<ClockSkew> {
    return measureClockSkew(new DatabaseClockRepository(this.pool, TIMEOUT_MS));
  }

  async close(): Promise<void> {
    await this.pool.end().catch(() => undefined);
  }
}

/** The server's own words ("not allowed"); the caller redacts the password from every output. */
function messageOf(error: unknown): string {
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === 'string' && message ? message : String(error);
}

function sqlState(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

async function rows(client: Client, command: string): Promise<Array<Record<string, unknown>>> {
  try {
    return (await client.query<Record<string, unknown>>(command)).rows;
  } catch {
    return [];
  }
}

async function firstValue(client: Client, command: string): Promise<string | undefined> {
  const [row] = await rows(client, command);
  const value = row ? Object.values(row)[0] : undefined;
  return typeof value === 'string' ? value.replace(/^PgBouncer\s+/i, '') : undefined;
}
