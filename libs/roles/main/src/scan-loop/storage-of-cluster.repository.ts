import type { Pool } from 'pg';

/** The cluster's storage (one cluster serves one storage), or undefined until one is configured. */
export async function storageOfCluster(pool: Pool, clusterId: string): Promise<string | undefined> {
  const { rows } = await pool.query<{ id: string }>(
    'SELECT id FROM portico.storages WHERE cluster_id = $1 ORDER BY created_at LIMIT 1',
    [clusterId],
  );
  return rows[0]?.id;
}
