import { type Pool } from 'pg';

import { type FenceContext, type FenceOptions } from '../fencing/fence';
import { fencedQuery } from '../fencing/fence.repository';
import { MARK_OFFLINE_ACTION, NodeOfflineMarker } from './node-offline-marker';

// A node that shut down cleanly (Stopped) or is already Offline keeps its status.
const MARK_OFFLINE = `
UPDATE portico.nodes
   SET status = 'Offline', status_reason = $3, updated_at = clock_timestamp()
 WHERE id = $1 AND cluster_id = $2 AND status NOT IN ('Offline', 'Stopped')`;

export class NodeOfflineRepository extends NodeOfflineMarker {
  constructor(
    private readonly pool: Pool,
    private readonly options: FenceOptions = {},
  ) {
    super();
  }

  override async markOffline(
    fence: Omit<FenceContext, 'action' | 'subject'>,
    nodeId: string,
    reason: string,
  ): Promise<boolean> {
    const context: FenceContext = { ...fence, action: MARK_OFFLINE_ACTION, subject: nodeId };
    const { rowCount } = await fencedQuery(
      this.pool,
      context,
      MARK_OFFLINE,
      [nodeId, fence.clusterId, reason],
      this.options,
    );
    return rowCount > 0;
  }
}
