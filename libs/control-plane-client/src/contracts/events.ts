import { z } from 'zod';
import { Id, IsoTime } from './common';
import { KeyPrefix } from './object-stores';
import { StoragePath } from './storages';

// Events: actions requested on the control plane for a cluster (SPEC 1, 2.5). The leader claims
// each queued event under its term and turns it into jobs exactly once; its jobs settle it.
export const EVENT_KINDS = ['transcode', 'archive', 'restore', 'delete', 'export', 'rescan'] as const;
export const EventKind = z.enum(EVENT_KINDS);
export type EventKind = z.infer<typeof EventKind>;

export const EVENT_STATES = ['queued', 'running', 'done', 'failed'] as const;
export const EventState = z.enum(EVENT_STATES);
export type EventState = z.infer<typeof EventState>;

/** The parameters of each kind (validated on creation; the leader can parse them with the same schemas). */
export const EVENT_PARAMETERS = {
  /** Transcode again, with the named profiles of the transcode_profiles setting (all when omitted). */
  transcode: z.object({ profiles: z.array(z.string().min(1).max(64)).min(1).max(20).optional() }).strict(),
  /** Copy the originals to the cluster's archive store. */
  archive: z.object({}).strict(),
  /** Download the originals from the archive store back to the storage, at their catalog paths. */
  restore: z.object({}).strict(),
  /** Delete as the storage's delete policy allows. */
  delete: z.object({}).strict(),
  /** Copy the originals (and outputs, with includeOutputs) to an export store, under an optional prefix. */
  export: z
    .object({ objectStoreId: Id, prefix: KeyPrefix.optional(), includeOutputs: z.boolean().optional() })
    .strict(),
  /** Scan the storage now, or only one directory of it. */
  rescan: z.object({ directory: StoragePath.optional() }).strict(),
} as const;

const Targets = {
  assetIds: z.array(Id).max(1000).default([]),
  fileIds: z.array(Id).max(1000).default([]),
};

/**
 * POST /clusters/:id/events. Every kind but rescan names at least one target (assets, or files
 * of assets); a rescan names none. Targets must be in the cluster's catalog.
 */
export const CreateEventBody = z
  .discriminatedUnion('kind', [
    z
      .object({
        kind: z.literal('transcode'),
        ...Targets,
        parameters: EVENT_PARAMETERS.transcode.default({}),
      })
      .strict(),
    z
      .object({ kind: z.literal('archive'), ...Targets, parameters: EVENT_PARAMETERS.archive.default({}) })
      .strict(),
    z
      .object({ kind: z.literal('restore'), ...Targets, parameters: EVENT_PARAMETERS.restore.default({}) })
      .strict(),
    z
      .object({ kind: z.literal('delete'), ...Targets, parameters: EVENT_PARAMETERS.delete.default({}) })
      .strict(),
    // An export names its store, so its parameters are required.
    z.object({ kind: z.literal('export'), ...Targets, parameters: EVENT_PARAMETERS.export }).strict(),
    z
      .object({ kind: z.literal('rescan'), ...Targets, parameters: EVENT_PARAMETERS.rescan.default({}) })
      .strict(),
  ])
  .superRefine((body, ctx) => {
    const targets = body.assetIds.length + body.fileIds.length;
    if (body.kind === 'rescan' && targets > 0)
      ctx.addIssue({
        code: 'custom',
        path: ['assetIds'],
        message: 'a rescan has no targets; use parameters.directory',
      });
    if (body.kind !== 'rescan' && targets === 0)
      ctx.addIssue({
        code: 'custom',
        path: ['assetIds'],
        message: `an event of kind ${body.kind} needs assetIds or fileIds`,
      });
  });
export type CreateEventBody = z.input<typeof CreateEventBody>;

export const CatalogEvent = z.object({
  id: Id,
  clusterId: Id,
  kind: EventKind,
  assetIds: z.array(Id),
  fileIds: z.array(Id),
  parameters: z.record(z.string(), z.unknown()),
  state: EventState,
  /** Why it failed (the first failed job), or how it ended. */
  reason: z.string().nullable(),
  /** The leader term that claimed it. */
  claimedTerm: z.number().int().nullable(),
  /** The node whose leader claimed it. */
  claimedBy: Id.nullable(),
  claimedAt: IsoTime.nullable(),
  /** When its jobs were enqueued. */
  dispatchedAt: IsoTime.nullable(),
  /** Jobs not settled yet (null until dispatched). */
  pendingJobs: z.number().int().nullable(),
  failedJobs: z.number().int(),
  /** The token that asked (its id), or "admin" for the bootstrap admin token. */
  createdBy: z.string().nullable(),
  createdAt: IsoTime,
  updatedAt: IsoTime,
});
export type CatalogEvent = z.infer<typeof CatalogEvent>;

/** GET /clusters/:id/events: newest first. */
export const EventQuery = z
  .object({
    state: EventState.optional(),
    kind: EventKind.optional(),
    cursor: z.string().optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
  })
  .strict();
export type EventQuery = z.input<typeof EventQuery>;
