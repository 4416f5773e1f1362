import type { Pool } from 'pg';
import { ReadinessCheck } from './readiness';

/** The database answers a query through the configured URI (so through pgBouncer if there is one). */
export class DatabaseReadinessCheck extends ReadinessCheck {
  readonly name = 'database';

  constructor(private readonly pool: Pool) {
    super();
  }

  async check(): Promise<Record<string, unknown>> {
    const started = performance.now();
    await this.pool.query('SELECT 1');
    return { latencyMs: Math.round((performance.now() - started) * 10) / 10 };
  }
}
