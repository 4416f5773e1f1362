// When a table's planner statistics are worth refreshing after bulk writes. Autovacuum analyzes a
// table once 50 + 10% of its rows changed, but only on its next round (a minute by default): an
// ingest of thousands of files runs its whole course on statistics that say the table is empty,
// and plans chosen for an empty table cost more per row as it fills (bench/pipeline measured a
// pg-boss fetch of 50 at 87 ms instead of 4 ms). The policy: refresh once the rows written since
// the last refresh reach `minRows` and a `fraction` of the table as it was then. The default
// fraction is 1 (refresh when the table doubled): a plan chosen for half the rows is still the
// right one, and each ANALYZE costs tens of milliseconds of the database's time (bench/pipeline:
// 10,000 files took 8 refreshes of each catalog table and 1.2 s of ANALYZE with a fifth, 4 and
// 0.45 s with a double).

export interface AnalyzePolicyOptions {
  /** Default 1,000. */
  readonly minRows?: number;
  /** Default 1 (the table doubled). */
  readonly fraction?: number;
}

export class AnalyzePolicy {
  private readonly minRows: number;
  private readonly fraction: number;
  private readonly tables = new Map<string, { pending: number; rowsAtLast: number }>();

  constructor(options: AnalyzePolicyOptions = {}) {
    this.minRows = options.minRows ?? 1_000;
    this.fraction = options.fraction ?? 1;
    if (!(this.minRows >= 1)) throw new RangeError(`minRows must be >= 1, got ${this.minRows}`);
    if (!(this.fraction >= 0)) throw new RangeError(`fraction must be >= 0, got ${this.fraction}`);
  }

  /** Counts writes; true when the table is due for a refresh now. */
  note(table: string, rows: number): boolean {
    const state = this.tables.get(table) ?? { pending: 0, rowsAtLast: 0 };
    state.pending += Math.max(0, rows);
    this.tables.set(table, state);
    return state.pending >= Math.max(this.minRows, this.fraction * state.rowsAtLast);
  }

  /** The refresh started: writes from now on count towards the next one. */
  refreshing(table: string): void {
    const state = this.tables.get(table);
    if (state) state.pending = 0;
  }

  /** The table's row count as the refresh found it. */
  refreshed(table: string, rows: number): void {
    const state = this.tables.get(table) ?? { pending: 0, rowsAtLast: 0 };
    state.rowsAtLast = Math.max(0, rows);
    this.tables.set(table, state);
  }
}
