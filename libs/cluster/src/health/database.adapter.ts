import { createPool, parseDatabaseUrl, toDatabaseConnectionError } from '@portico/db';
import type { Pool, PoolClient } from 'pg';
import { HealthCheck, type HealthDetails } from './health-check';

export interface DatabaseHealthCheckOptions {
  /** Default: the monitor's timeout (1.5 s); also bounds opening a connection. */
  timeoutMs?: number;
  applicationName?: string;
}

/**
 * `SELECT 1` through the configured URI, so through pgBouncer when there is one (SPEC 2.4).
 * It has its own one-connection pool: a work pool exhausted by long jobs must not look like a
 * dead database, and a dead database must be seen even when the work pool has idle connections.
 * On timeout the connection is destroyed, so a query held by a paused pgBouncer does not leak.
 */
export class DatabaseHealthCheck extends HealthCheck {
  readonly name = 'database';
  override readonly timeoutMs: number | undefined;
  private readonly pool: Pool;
  private readonly target: ReturnType<typeof parseDatabaseUrl>;

  constructor(url: string, options: DatabaseHealthCheckOptions = {}) {
    super();
    this.timeoutMs = options.timeoutMs;
    this.target = parseDatabaseUrl(url);
    this.pool = createPool(url, {
      max: 1,
      applicationName: options.applicationName ?? 'portico-health',
      connectionTimeoutMillis: options.timeoutMs ?? 1500,
      idleTimeoutMillis: 30_000,
    });
  }

  async run(signal: AbortSignal): Promise<HealthDetails> {
    const started = performance.now();
    let client: PoolClient | undefined;
    let released = false;
    const release = (error?: Error) => {
      if (!client || released) return;
      released = true;
      client.release(error);
    };
    const onAbort = () => release(new Error('health check timed out'));
    try {
      client = await this.pool.connect();
      if (signal.aborted) throw new Error('database health check timed out while connecting');
      signal.addEventListener('abort', onAbort, { once: true });
      await client.query('SELECT 1');
      release();
      return { latencyMs: Math.round((performance.now() - started) * 10) / 10 };
    } catch (error) {
      release(error instanceof Error ? error : new Error(String(error)));
      throw toDatabaseConnectionError(error, this.target);
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  /** Closes the check's connection; call on shutdown. */
  async close(): Promise<void> {
    await this.pool.end();
  }
}
