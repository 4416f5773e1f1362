import { type Pool } from 'pg';

import { timedQuery } from '../fencing/transaction.repository';
import { DatabaseClock } from './clock-skew';

const NOW_MS = `SELECT (extract(epoch FROM clock_timestamp()) * 1000)::float8 AS now_ms`;

export class DatabaseClockRepository extends DatabaseClock {
  constructor(
    private readonly pool: Pool,
    private readonly timeoutMs = 2000,
  ) {
    super();
  }

  override async nowMs(): Promise<number> {
    const result = await this.pool.query<{ now_ms: number }>(timedQuery(NOW_MS, undefined, this.timeoutMs));
    const value = result.rows[0]?.now_ms;
    if (typeof value !== 'number') throw new Error('clock_timestamp() returned no value');
    return value;
  }
}
