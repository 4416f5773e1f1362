import type { Pool, PoolClient } from 'pg';

/** A pool or a client inside a transaction: repository methods accept either. */
export type Db = Pool | PoolClient;

/**
 * Runs `work` in one transaction on one connection. Safe behind pgBouncer in transaction mode:
 * the whole transaction runs on one server connection and leaves no session state behind.
 */
export async function inTransaction<T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  // A checked-out client has no pool listener: a session the server ends (restart, timeout)
  // would otherwise raise an unhandled 'error' event and crash the process.
  let broken: Error | undefined;
  const onError = (error: Error): void => {
    broken = error;
  };
  client.on('error', onError);
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    // A connection whose ROLLBACK fails is in an unknown state: destroy it rather than reuse it.
    await client.query('ROLLBACK').catch((rollbackError: unknown) => {
      broken ??= rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
    });
    throw error;
  } finally {
    client.off('error', onError);
    client.release(broken);
  }
}
