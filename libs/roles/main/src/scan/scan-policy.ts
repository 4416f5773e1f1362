// The scanner's safety rules (pure): when the storage can be trusted to be mounted, and what
// happens to the files a scan found missing.
import type { SentinelReading } from '@portico/storage';

export type ScanWarningKind =
  /** The sentinel is missing or unreadable while the index has files: the share may be unmounted. */
  | 'mount-suspect'
  /** The sentinel names another storage: another share is mounted here. Nothing is scanned. */
  | 'storage-mismatch'
  /** The sentinel could not be written on a new storage. */
  | 'sentinel-not-written'
  /** The root could not be listed: nothing is taken for removed. */
  | 'root-unreadable'
  /** More removals than max_deletions_per_scan: they wait for an operator. */
  | 'removals-held';

export interface ScanWarning {
  readonly kind: ScanWarningKind;
  readonly message: string;
}

export type SentinelPlan =
  /** Mounted: removals may be applied. `record` is set when the id must be stored in the database. */
  | { readonly action: 'trust'; readonly storageId: string; readonly record: boolean }
  /** A new storage (empty index, no sentinel): write the sentinel, then trust it. */
  | { readonly action: 'create'; readonly storageId: string; readonly record: boolean }
  /** Scan, but remove nothing. */
  | { readonly action: 'no-removals'; readonly warning: ScanWarning }
  /** Do not scan at all. */
  | { readonly action: 'refuse'; readonly warning: ScanWarning };

/**
 * @param known the storage id the database holds for the cluster (null before the first scan)
 * @param newId a fresh id to use when neither the database nor the sentinel has one
 */
export function planSentinel(input: {
  readonly reading: SentinelReading;
  readonly known: string | null;
  readonly indexFiles: number;
  readonly root: string;
  readonly newId: string;
}): SentinelPlan {
  const { reading, known, indexFiles, root } = input;
  switch (reading.state) {
    case 'present':
      if (known === null) return { action: 'trust', storageId: reading.storageId, record: true };
      if (reading.storageId === known) return { action: 'trust', storageId: known, record: false };
      return {
        action: 'refuse',
        warning: {
          kind: 'storage-mismatch',
          message:
            `the storage mounted at ${root} is ${reading.storageId}, not this cluster's storage ${known}: ` +
            'nothing was scanned. Mount the right share, or fix the mount point.',
        },
      };
    case 'missing':
      if (indexFiles === 0)
        return { action: 'create', storageId: known ?? input.newId, record: known === null };
      return {
        action: 'no-removals',
        warning: {
          kind: 'mount-suspect',
          message:
            `the storage sentinel ${root}/.portico/storage-id is missing while the index holds files ` +
            `(about ${indexFiles}): the share looks unmounted, so no file is taken for removed. Remount it; if the share is ` +
            `right and the file was deleted, recreate it with the content ${known ?? '(the storage id)'}.`,
        },
      };
    case 'invalid':
    case 'unreadable':
      return {
        action: 'no-removals',
        warning: {
          kind: 'mount-suspect',
          message: `${reading.message}: the mount is not trusted, so no file is taken for removed. Check ${root}.`,
        },
      };
  }
}

export type RemovalDecision =
  | { readonly action: 'apply' }
  | { readonly action: 'hold'; readonly warning: ScanWarning }
  /** Candidates dropped (the storage looked unmounted): the next trusted scan finds them again. */
  | { readonly action: 'discard'; readonly warning?: ScanWarning };

export function decideRemovals(input: {
  readonly candidates: number;
  readonly maxDeletions: number;
  /** The storage looked mounted at the start and at the end of the walk. */
  readonly mounted: boolean;
  readonly rootFailed: boolean;
}): RemovalDecision {
  if (input.candidates === 0) return { action: 'apply' };
  if (input.rootFailed) {
    return {
      action: 'discard',
      warning: {
        kind: 'root-unreadable',
        message: `the storage root could not be listed: none of ${input.candidates} missing files was removed`,
      },
    };
  }
  if (!input.mounted) return { action: 'discard' };
  if (input.candidates > input.maxDeletions) {
    return {
      action: 'hold',
      warning: {
        kind: 'removals-held',
        message:
          `${input.candidates} files are missing, more than max_deletions_per_scan (${input.maxDeletions}): ` +
          'none was removed. They wait for an operator: check the storage, then approve them ' +
          '(or raise max_deletions_per_scan).',
      },
    };
  }
  return { action: 'apply' };
}

export interface ScanProgress {
  readonly runId: string;
  readonly phase: 'walking' | 'finishing' | 'done';
  /** Files delivered by the walk so far in this run. */
  readonly found: number;
  /** Files whose diff is committed. */
  readonly processed: number;
  /** Files still to process, estimated from the index size at the start (null on a first scan). */
  readonly left: number | null;
  /** Folders still to list. */
  readonly foldersLeft: number;
  /** Files processed per second by this node since it started or resumed the run. */
  readonly ratePerSecond: number;
}

export function estimateLeft(indexFilesAtStart: number, initial: boolean, processed: number): number | null {
  if (initial) return null;
  return Math.max(0, indexFilesAtStart - processed);
}
