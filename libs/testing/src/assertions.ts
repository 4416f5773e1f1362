import { Client } from 'pg';

/** The error a promise rejects with, checked to be of `type`; fails if it resolves or rejects otherwise. */
export async function rejectionOf<E extends Error>(
  promise: Promise<unknown>,
  type: new (...args: never[]) => E,
): Promise<E> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof type)) throw new Error(`expected a ${type.name}, got ${String(error)}`);
  return error;
}

/**
 * The rejection of `promise`, whatever it is: for errors that may come from another realm than
 * jest's (a worker thread, an AbortSignal's reason), where instanceof cannot be used.
 */
export async function anyRejectionOf(promise: Promise<unknown>): Promise<Error> {
  let value: unknown;
  try {
    value = await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error(
    `expected a rejection, got ${JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? String(v) : v))}`,
  );
}

/** Runs one statement on its own connection (test setup and fault injection on the database). */
export async function execSql(url: string, text: string, values: unknown[] = []): Promise<void> {
  const connection = new Client({ connectionString: url });
  await connection.connect();
  try {
    await connection.query(text, values);
  } finally {
    await connection.end();
  }
}

/** Sessions of a test database waiting on a lock, seen straight on PostgreSQL (not through pgBouncer). */
export async function lockWaiters(db: {
  readonly directUrl: string;
  readonly name: string;
}): Promise<number> {
  const connection = new Client({ connectionString: db.directUrl });
  await connection.connect();
  try {
    const { rows } = await connection.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock'",
      [db.name],
    );
    return rows[0]!.n;
  } finally {
    await connection.end();
  }
}
