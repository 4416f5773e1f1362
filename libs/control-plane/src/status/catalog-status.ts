import {
  ASSET_STATUSES,
  type CatalogSummary,
  OUTPUT_FORMAT_KINDS,
  type OutputCounts,
} from '@portico/control-plane-client';
import type { QueueDepth } from '@portico/jobs-runtime';

type AssetStatus = (typeof ASSET_STATUSES)[number];
type OutputFormatKind = (typeof OUTPUT_FORMAT_KINDS)[number];

/** The catalogue's counts as the database gives them (see StatusRepository). */
export interface StatusCatalogCounts {
  /** Assets whose original is on the storage, by status. */
  readonly assetsByStatus: Readonly<Record<AssetStatus, number>>;
  readonly assetsRemoved: number;
  readonly originals: {
    readonly files: number;
    readonly bytes: number;
    readonly checksummed: number;
    readonly empty: number;
    readonly failed: number;
  };
  /** Live files in object stores (outputs, archive copies), grouped by format kind and file status. */
  readonly outputs: ReadonlyArray<{ readonly kind: string; readonly status: string; readonly files: number }>;
  readonly pendingEvents: number;
  /** Every queue of the cluster (queueDepths of @portico/jobs-runtime), its dead-letter queue included. */
  readonly queues: readonly QueueDepth[];
  /** The name of the cluster's dead-letter queue, whose waiting jobs are dead letters, not work. */
  readonly deadLetterQueue: string;
}

const OUTPUT_STATES = ['stored', 'pending', 'failed'] as const satisfies ReadonlyArray<keyof OutputCounts>;

/**
 * The catalog section of the cluster status. Files in object stores of another kind than the
 * outputs (archive copies of originals) are left out; an output in a state other than stored,
 * pending or failed (none is written today) counts in the total only. Jobs are totalled as
 * `portico jobs` totals them.
 */
export function deriveCatalogStatus(counts: StatusCatalogCounts): CatalogSummary {
  const byFormat = Object.fromEntries(
    OUTPUT_FORMAT_KINDS.map((kind) => [kind, { stored: 0, pending: 0, failed: 0 }]),
  ) as Record<OutputFormatKind, OutputCounts>;
  const outputs = { total: 0, stored: 0, pending: 0, failed: 0 };
  for (const row of counts.outputs) {
    const format = isOutputKind(row.kind) ? byFormat[row.kind] : undefined;
    if (!format) continue;
    outputs.total += row.files;
    const state = OUTPUT_STATES.find((candidate) => candidate === row.status);
    if (!state) continue;
    format[state] += row.files;
    outputs[state] += row.files;
  }

  const jobs = { queued: 0, active: 0, dead: 0 };
  for (const queue of counts.queues) {
    if (queue.queue !== counts.deadLetterQueue) jobs.queued += queue.queued;
    jobs.active += queue.active;
    jobs.dead += queue.dead;
  }

  const assetsByStatus = { ...counts.assetsByStatus };
  return {
    assets: {
      live: ASSET_STATUSES.reduce((sum, status) => sum + assetsByStatus[status], 0),
      byStatus: assetsByStatus,
      removed: counts.assetsRemoved,
    },
    originals: { ...counts.originals },
    outputs: { ...outputs, byFormat },
    pendingEvents: counts.pendingEvents,
    jobs,
  };
}

function isOutputKind(kind: string): kind is OutputFormatKind {
  return (OUTPUT_FORMAT_KINDS as readonly string[]).includes(kind);
}
