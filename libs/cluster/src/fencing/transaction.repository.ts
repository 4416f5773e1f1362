// A short transaction on one pooled connection, bounded on both sides: SET LOCAL timeouts stop
// the server from holding row locks for a client that went quiet (a paused leader must not block
// a takeover), and a client-side timeout ends a query the server never answers (pgBouncer paused,
// network gone). SET LOCAL lasts for the transaction only, so it is safe behind pgBouncer in
// transaction mode.
import { type Pool, type PoolClient, type QueryConfig, type QueryResult, type QueryResultRow } from 'pg';

export interface TransactionTimeouts {
  /** Client side: a query unanswered after this long fails and its connection is discarded. */
  readonly queryTimeoutMs: number;
  /** Server side: longest single statement. */
  readonly statementTimeoutMs: number;
  /** Server side: longest wait for a row lock. */
  readonly lockTimeoutMs: number;
  /** Server side: a client silent this long inside the transaction loses its session (and locks). */
  readonly idleInTransactionTimeoutMs: number;
}

const CLIENT_TIMEOUT_MESSAGE = 'Query read timeout';

/** A query config with node-postgres's per-query client-side timeout (missing from its typings). */
export function timedQuery(
  text: string,
  values: readonly unknown[] | undefined,
  timeoutMs: number,
): QueryConfig {
  const config: QueryConfig & { query_timeout: number } = {
    text,
    values: values as unknown[] | undefined,
    query_timeout: timeoutMs,
  };
  return config;
}

export function isClientTimeout(error: unknown): boolean {
  return error instanceof Error && error.message === CLIENT_TIMEOUT_MESSAGE;
}

function milliseconds(name: string, value: number): number {
  if (!Number.isInteger(value) || value <= 0)
    throw new RangeError(`${name} must be a positive whole number of ms, got ${value}`);
  return value;
}

/** Runs `fn` in one transaction; the client handed to it must only be used inside it. */
export async function inTransaction<T>(
  pool: Pool,
  timeouts: TransactionTimeouts,
  fn: (client: PoolClient, query: TimedQuery) => Promise<T>,
): Promise<T> {
  const begin =
    'BEGIN; ' +
    `SET LOCAL statement_timeout = ${milliseconds('statementTimeoutMs', timeouts.statementTimeoutMs)}; ` +
    `SET LOCAL lock_timeout = ${milliseconds('lockTimeoutMs', timeouts.lockTimeoutMs)}; ` +
    `SET LOCAL idle_in_transaction_session_timeout = ${milliseconds('idleInTransactionTimeoutMs', timeouts.idleInTransactionTimeoutMs)}`;
  const client = await pool.connect();
  // While checked out, a client has no pool listener: a session the server ends (the idle
  // timeout above, a restart) would otherwise raise an unhandled 'error' event.
  let lost: Error | undefined;
  const onError = (error: Error): void => {
    lost = error;
  };
  client.on('error', onError);
  const query: TimedQuery = <R extends QueryResultRow>(text: string, values?: readonly unknown[]) =>
    client.query<R>(timedQuery(text, values, timeouts.queryTimeoutMs));
  let discard: Error | undefined;
  try {
    await query(begin);
    const result = await fn(client, query);
    await query('COMMIT');
    return result;
  } catch (error) {
    discard = await rollback(client, error, timeouts.queryTimeoutMs);
    throw error;
  } finally {
    client.removeListener('error', onError);
    client.release(discard ?? lost);
  }
}

export type TimedQuery = <R extends QueryResultRow = QueryResultRow>(
  text: string,
  values?: readonly unknown[],
) => Promise<QueryResult<R>>;

/** Rolls back; returns an error when the connection must be discarded instead of reused. */
async function rollback(client: PoolClient, cause: unknown, timeoutMs: number): Promise<Error | undefined> {
  // After a client-side timeout the connection is still busy with the unanswered query; only
  // closing it ends the transaction.
  if (isClientTimeout(cause)) return cause as Error;
  try {
    await client.query(timedQuery('ROLLBACK', undefined, timeoutMs));
    return undefined;
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
}
