// What the leader reads about its cluster to plan events: the storage (its delete policy) and the
// object stores (which one archives, which ones take exports). Read once per fenced batch.
import type { DeletePolicy, ObjectStorePurpose } from '@portico/control-plane-client';
import type { PoolClient } from 'pg';

import type { ClusterFacts } from './event-plan';

export type ClusterStores = Pick<ClusterFacts, 'storage' | 'objectStores'>;

export class EventContextRepository {
  async load(db: Pick<PoolClient, 'query'>, clusterId: string): Promise<ClusterStores> {
    const storages = await db.query<{ id: string; delete_policy: DeletePolicy }>(
      'SELECT id, delete_policy FROM portico.storages WHERE cluster_id = $1 ORDER BY created_at LIMIT 1',
      [clusterId],
    );
    const stores = await db.query<{ id: string; name: string; purpose: ObjectStorePurpose }>(
      'SELECT id, name, purpose FROM portico.object_stores WHERE cluster_id = $1 ORDER BY created_at',
      [clusterId],
    );
    const storage = storages.rows[0];
    return {
      storage: storage ? { id: storage.id, deletePolicy: storage.delete_policy } : undefined,
      objectStores: stores.rows,
    };
  }
}
