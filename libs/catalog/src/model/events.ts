// Events: actions requested on the control plane for a cluster (SPEC 1, 2.5). The leader claims
// each queued event under its term and turns it into jobs exactly once; the jobs' completions
// settle it (done, or failed with the reason of the first failure).

export const EVENT_KINDS = ['transcode', 'archive', 'restore', 'delete', 'export', 'rescan'] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

/** queued → running (claimed by a leader's term, jobs enqueued) → done | failed. */
export const EVENT_STATES = ['queued', 'running', 'done', 'failed'] as const;
export type EventState = (typeof EVENT_STATES)[number];

export interface CatalogEvent {
  readonly id: string;
  readonly clusterId: string;
  readonly kind: EventKind;
  readonly assetIds: readonly string[];
  readonly fileIds: readonly string[];
  readonly parameters: Readonly<Record<string, unknown>>;
  readonly state: EventState;
  /** Why it failed (or another note on how it ended). */
  readonly reason: string | null;
  /** The leader term that claimed it; a claim is never taken by an older or equal term. */
  readonly claimedTerm: number | null;
  /** The node whose leader claimed it. */
  readonly claimedBy: string | null;
  readonly claimedAt: Date | null;
  /** When its jobs were enqueued; a claim without it may be taken over by a newer term. */
  readonly dispatchedAt: Date | null;
  /** Jobs enqueued and not settled yet (null until dispatched). */
  readonly pendingJobs: readonly string[] | null;
  readonly failedJobs: number;
  readonly createdBy: string | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export interface NewEvent {
  /** Defaults to a random UUID. */
  readonly id?: string;
  readonly clusterId: string;
  readonly kind: EventKind;
  readonly assetIds?: readonly string[];
  readonly fileIds?: readonly string[];
  readonly parameters?: Readonly<Record<string, unknown>>;
  /** Who asked (a token id, or "admin" for the bootstrap admin token). */
  readonly createdBy?: string | null;
}
