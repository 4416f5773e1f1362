// The new leader's first MAIN action: the node whose lease ran out is marked Offline, since a
// dead node cannot say so itself. It is a fenced write, refused if the term is already stale.
import { type FenceContext } from '../fencing/fence';

export abstract class NodeOfflineMarker {
  /** Marks `nodeId` Offline under the fence of `fence`; resolves true if its status changed. */
  abstract markOffline(
    fence: Omit<FenceContext, 'action' | 'subject'>,
    nodeId: string,
    reason: string,
  ): Promise<boolean>;
}

export const MARK_OFFLINE_ACTION = 'mark-offline';
