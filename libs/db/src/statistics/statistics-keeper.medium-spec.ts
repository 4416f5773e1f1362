// The statistics keeper on real PostgreSQL through pgBouncer (transaction mode): bulk writes noted
// inside a transaction get the table analyzed after the commit, and the planner's estimate follows.
import { useTestDatabase, waitFor } from '@portico/testing';
import { type Pool } from 'pg';

import { createPool, inTransaction } from '../index';
import { StatisticsKeeper } from './statistics-keeper.repository';

const db = useTestDatabase();
let pool: Pool;

beforeAll(async () => {
  pool = createPool(db.url, { max: 4 });
  await pool.query('CREATE TABLE public.bulk (id int PRIMARY KEY, label text)');
  // As a fresh table looks to the planner before any ANALYZE of it.
  await pool.query('ALTER TABLE public.bulk SET (autovacuum_enabled = false)');
});

afterAll(async () => {
  await pool.end();
});

async function estimate(): Promise<number> {
  const { rows } = await pool.query<{ 'QUERY PLAN': Array<{ Plan: { 'Plan Rows': number } }> }>(
    'EXPLAIN (FORMAT JSON) SELECT * FROM public.bulk',
  );
  return rows[0]!['QUERY PLAN'][0]!.Plan['Plan Rows'];
}

it('analyzes a table after the transaction that filled it commits, once per burst of writes', async () => {
  const analyzed: Array<{ table: string; rows: number }> = [];
  const keeper = new StatisticsKeeper(pool, {
    minRows: 1_000,
    delayMs: 50,
    onAnalyzed: (table, rows) => analyzed.push({ table, rows }),
    onError: (_table, error) => {
      throw error;
    },
  });
  try {
    await inTransaction(pool, async (client) => {
      await client.query("INSERT INTO public.bulk SELECT g, 'row ' || g FROM generate_series(1, 5000) AS g");
      keeper.noteWrites('public.bulk', 2_500);
      keeper.noteWrites('public.bulk', 2_500);
    });
    await waitFor(() => Promise.resolve(analyzed.length === 1), {
      description: 'public.bulk analyzed',
      timeoutMs: 10_000,
    });
    expect(analyzed[0]).toEqual({ table: 'public.bulk', rows: 5_000 });
    expect(await estimate()).toBe(5_000);
    const { rows } = await pool.query<{ n: number }>(
      "SELECT analyze_count::int AS n FROM pg_stat_user_tables WHERE relid = 'public.bulk'::regclass",
    );
    expect(rows[0]!.n).toBe(1);
    // 20% of 5,000 is the next threshold: 900 more rows are not enough.
    keeper.noteWrites('public.bulk', 900);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(analyzed).toHaveLength(1);
  } finally {
    keeper.stop();
  }
});

it('refuses a table name it would have to splice unchecked', () => {
  const keeper = new StatisticsKeeper(pool);
  expect(() => keeper.noteWrites('bulk; DROP TABLE x', 5_000)).toThrow(RangeError);
  expect(() => keeper.noteWrites('bulk', 5_000)).toThrow(RangeError);
});
