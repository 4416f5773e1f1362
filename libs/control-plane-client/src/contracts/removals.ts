// Held removals (`portico removals`): files a scan found missing above max_deletions_per_scan wait
// here for an operator. Approving records an approval; the cluster's leader applies it between
// two scans, under its term's fence, once the storage is healthy and its sentinel present.
import { z } from 'zod';

import { Id, IsoTime } from './common';
import { StoragePath } from './storages';

/** One file a scan found missing, waiting for an operator. */
export const PendingRemoval = z.object({
  /** Relative to the storage root. */
  path: z.string(),
  /** When a scan first found it missing (database clock). */
  detectedAt: IsoTime,
  /** The catalog's file at this path, when the catalog knows it (approve by file id). */
  fileId: Id.nullable(),
});
export type PendingRemoval = z.infer<typeof PendingRemoval>;

export const REMOVAL_APPROVAL_STATES = ['pending', 'applied'] as const;

export const RemovalApproval = z.object({
  id: Id,
  clusterId: Id,
  storageId: Id,
  /** true: every removal pending when it was approved; false: the named paths only. */
  all: z.boolean(),
  /** How many paths it names (0 when `all`). */
  pathCount: z.number().int().nonnegative(),
  /** How many pending removals it covered when it was approved. */
  pendingAtRequest: z.number().int().nonnegative(),
  /** The token that approved (its id), or "admin" for the bootstrap admin token. */
  requestedBy: z.string(),
  requestedAt: IsoTime,
  /** pending: the leader has not applied it yet; applied: done (see removed / cancelled / kept). */
  state: z.enum(REMOVAL_APPROVAL_STATES),
  /** Why the leader holds it back (the storage is unhealthy or its sentinel is missing); null otherwise. */
  waitingReason: z.string().nullable(),
  waitingSince: IsoTime.nullable(),
  appliedAt: IsoTime.nullable(),
  /** The leader term that applied it. */
  appliedTerm: z.number().int().nullable(),
  /** The node whose leader applied it. */
  appliedBy: Id.nullable(),
  /** Files taken for removed (index and catalog). */
  removed: z.number().int().nonnegative(),
  /** Files that were back on the storage: their removal was dropped. */
  cancelled: z.number().int().nonnegative(),
  /** Files that could not be checked: still pending. */
  kept: z.number().int().nonnegative(),
});
export type RemovalApproval = z.infer<typeof RemovalApproval>;

/** GET /clusters/:id/storages/:id/removals: the count, a page of paths (path order), the latest approvals. */
export const RemovalList = z.object({
  clusterId: Id,
  storageId: Id,
  /** Every pending removal of the storage. */
  pending: z.number().int().nonnegative(),
  items: z.array(PendingRemoval),
  /** Pass as `cursor` for the next page; null on the last one. */
  nextCursor: z.string().nullable(),
  /** The latest approvals, newest first (open ones and the last applied ones). */
  approvals: z.array(RemovalApproval),
});
export type RemovalList = z.infer<typeof RemovalList>;

export const RemovalQuery = z
  .object({
    cursor: z.string().max(8192).optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
  })
  .strict();
export type RemovalQuery = z.input<typeof RemovalQuery>;

const MAX_NAMED = 10_000;

/** POST .../removals/approve: every pending removal (`all`), or named ones (paths and/or catalog file ids). */
export const ApproveRemovalsBody = z
  .object({
    all: z.literal(true).optional(),
    paths: z.array(StoragePath).min(1).max(MAX_NAMED).optional(),
    fileIds: z.array(Id).min(1).max(MAX_NAMED).optional(),
  })
  .strict()
  .refine((body) => (body.all === true) !== (body.paths !== undefined || body.fileIds !== undefined), {
    message: 'give either "all": true, or "paths" and/or "fileIds"',
  });
export type ApproveRemovalsBody = z.input<typeof ApproveRemovalsBody>;
