// A transaction on one pooled connection (pgBouncer in transaction mode keeps a transaction on one
// server connection), and the adapter that lets pg-boss run its statements inside it.
import { type Db as IDatabase, type CommandResponse } from 'pg-boss';

export { inTransaction } from '@portico/db';

/** Something with pg's query(): a Pool or a client inside the caller's transaction. */
export interface Queryable {
  query(text: string, values?: unknown[]): Promise<{ rows: unknown[] }>;
}

/** Lets pg-boss run its statements on `client` (its `db` option), e.g. inside our transaction. */
export function bossDb(client: Queryable): IDatabase {
  return {
    executeSql: async (text: string, values?: unknown[]) => {
      const result = await client.query(text, values);
      return { rows: result.rows as never[] };
    },
  };
}

/** A LIKE pattern matching exactly the names that start with `prefix` (its % and _ escaped). */
export function startsWithPattern(prefix: string): string {
  return `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]*$/;

/** pg-boss's schema, checked because it is spliced into SQL text. */
export function bossSchema(schema = 'pgboss'): string {
  if (!SCHEMA_NAME.test(schema))
    throw new Error(`pg-boss schema "${schema}" is not a plain lower-case identifier`);
  return schema;
}

/** How many jobs a pg-boss settle touched (its CommandResponse is untyped in the declarations). */
export function affected(response: CommandResponse): number {
  const count = (response as { affected?: unknown }).affected;
  return typeof count === 'number' ? count : 0;
}

/** The ids a pg-boss settle touched (12.x returns them beside the count). */
export function settledIds(response: CommandResponse): string[] {
  const ids = (response as { settled?: unknown }).settled;
  if (!Array.isArray(ids))
    throw new Error('pg-boss did not report which jobs it settled (needs pg-boss >= 12.30)');
  return ids.map(String);
}
