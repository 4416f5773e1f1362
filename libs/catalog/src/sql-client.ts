/**
 * What the catalog repositories run their statements on: a pg Pool, a client inside the caller's
 * transaction (fenced by a term or by a job attempt), or anything with the same query().
 * Passing the caller's client is what makes "write the catalog + enqueue the next job" atomic.
 */
export interface SqlClient {
  query<R = Record<string, unknown>>(
    text: string,
    values?: unknown[],
  ): Promise<{ rows: R[]; rowCount: number | null }>;
}
