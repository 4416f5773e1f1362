// Refreshes planner statistics of tables that bulk writes just filled (see analyze-policy.ts).
// Writers note their writes inside their transaction; the ANALYZE runs a moment later on the
// pool, after the commit, one at a time per table, never blocking the writer: a failed refresh is
// logged and left to autovacuum.
import { type Pool } from 'pg';

import { AnalyzePolicy, type AnalyzePolicyOptions } from './analyze-policy';

export interface StatisticsKeeperOptions extends AnalyzePolicyOptions {
  /** Delay after the note, so that the writer's transaction has committed. Default 100 ms. */
  readonly delayMs?: number;
  readonly onError?: (table: string, error: unknown) => void;
  /** Called after each refresh (metrics, tests). */
  readonly onAnalyzed?: (table: string, rows: number, ms: number) => void;
}

/** A schema-qualified table name of plain identifiers: spliced into ANALYZE, so checked. */
const TABLE = /^[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*$/;

export class StatisticsKeeper {
  private readonly policy: AnalyzePolicy;
  private readonly running = new Set<string>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private stopped = false;

  constructor(
    private readonly pool: Pool,
    private readonly options: StatisticsKeeperOptions = {},
  ) {
    this.policy = new AnalyzePolicy(options);
  }

  /** `rows` rows of `table` (`schema.table`) were written by a transaction about to commit. */
  noteWrites(table: string, rows: number): void {
    if (!TABLE.test(table)) throw new RangeError(`"${table}" is not a schema-qualified table name`);
    if (this.stopped || !this.policy.note(table, rows)) return;
    if (this.running.has(table) || this.timers.has(table)) return;
    const timer = setTimeout(() => {
      this.timers.delete(table);
      void this.analyze(table);
    }, this.options.delayMs ?? 100);
    timer.unref();
    this.timers.set(table, timer);
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  private async analyze(table: string): Promise<void> {
    this.running.add(table);
    this.policy.refreshing(table);
    const started = performance.now();
    try {
      await this.pool.query(`ANALYZE ${table}`);
      const { rows } = await this.pool.query<{ rows: number }>(
        'SELECT greatest(reltuples, 0)::float8 AS rows FROM pg_class WHERE oid = $1::regclass',
        [table],
      );
      const count = rows[0]?.rows ?? 0;
      this.policy.refreshed(table, count);
      this.options.onAnalyzed?.(table, count, performance.now() - started);
    } catch (error) {
      this.options.onError?.(table, error);
    } finally {
      this.running.delete(table);
    }
  }
}
