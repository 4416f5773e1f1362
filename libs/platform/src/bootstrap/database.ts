import { createPool } from '@portico/db';
import type { Pool } from 'pg';
import type { Logger } from 'pino';

/**
 * Opens the pool and proves the database answers, retrying for a short while so that a node
 * started together with its database (compose, `portico up`) does not fail needlessly. After
 * the window it fails with the classified, password-masked connection error.
 */
export async function connectDatabase(url: string, logger: Logger, windowMs = 15_000): Promise<Pool> {
  const pool = createPool(url, { applicationName: `portico-${process.pid}` });
  const deadline = Date.now() + windowMs;
  for (let attempt = 1; ; attempt++) {
    try {
      await pool.query('SELECT 1');
      return pool;
    } catch (error) {
      const retryable = isTransient(error);
      if (!retryable || Date.now() >= deadline) {
        await pool.end().catch(() => undefined);
        throw error;
      }
      logger.warn({ attempt, err: error }, 'database not reachable yet; retrying');
      await new Promise((resolve) => setTimeout(resolve, Math.min(250 * attempt, 2000)));
    }
  }
}

/** Refused connections and "starting up" are worth a retry; a wrong password or TLS setup is not. */
function isTransient(error: unknown): boolean {
  const code =
    (error as { code?: string; cause?: { code?: string } }).code ??
    (error as { cause?: { code?: string } }).cause?.code;
  return ['ECONNREFUSED', 'ECONNRESET', '57P03', 'ETIMEDOUT', 'EAI_AGAIN'].includes(code ?? '');
}
