// Watching the storage for changes: the port. The leader scans soon after something changes
// instead of waiting for scan_interval_seconds; the watch only says "something changed", the
// scan finds what. The interval scan stays the guarantee: a network mount does not report other
// clients' writes, and folders beyond the cap are not watched.

/** Folders watched at most, the root included, unless the caller says otherwise. */
export const DEFAULT_MAX_WATCHES = 4096;

export interface WatchOptions {
  /** The storage root (this node's mount point). Always watched. */
  readonly root: string;
  /** Folders to watch besides the root, relative to it, '/'-separated (the last scan's folders). */
  readonly directories?: readonly string[];
  /** ignore_patterns: changes to entries they match are not reported (the root's `.portico` never is). */
  readonly ignorePatterns: readonly string[];
  /** At most this many folders are watched, the root included: the shallowest ones. Default 4,096. */
  readonly maxWatches?: number;
  /**
   * Something changed in a watched folder (an entry created, removed, renamed, written, or its
   * attributes changed). No detail: the caller rescans. Called at most once per turn of the event
   * loop however many events arrived; never after close(). Must not throw.
   */
  readonly onChange: () => void;
}

export type WatchProblemReason =
  /** A system limit stopped the watches short (inotify watches or instances, open files, kernel memory). */
  | 'limit'
  /** A network file system: it does not report other clients' writes, so nothing is watched. */
  | 'network-file-system'
  /** The root itself could not be watched (gone, unreadable, a file system without notifications). */
  | 'unavailable';

export interface WatchProblem {
  readonly reason: WatchProblemReason;
  /** The error code behind it (ENOSPC, EMFILE, ...), when there is one. */
  readonly code: string | null;
  /** For the operator: what was hit, what it means for scans, and what to raise. */
  readonly message: string;
}

export interface WatchReport {
  /** Folders watched now, the root included (0: changes are not watched at all). */
  readonly watched: number;
  /** Folders given but not watched: beyond `maxWatches`, or left over when a system limit was hit. */
  readonly unwatched: number;
  /** Folders given that could not be watched because they are gone or not readable (their parent's watch sees them go). */
  readonly skipped: number;
  /** Why watching stopped short or is off; null when every folder that exists is watched (up to the cap). */
  readonly problem: WatchProblem | null;
}

export interface StorageWatch {
  /** The report of the first set-up, once every watch is set. Never rejects. */
  readonly ready: Promise<WatchReport>;
  /**
   * Watches these folders from now on: those no longer given are released, new ones added, and
   * folders a system limit left unwatched are tried again. Resolves with the report once done
   * (updates run one after the other). Never rejects.
   */
  update(directories: readonly string[], ignorePatterns: readonly string[]): Promise<WatchReport>;
  /** Releases every watch; onChange is not called after it. */
  close(): void;
}

export abstract class StorageWatcher {
  /** Starts watching in the background: each folder reports changes from the moment its watch is set. */
  abstract watch(options: WatchOptions): StorageWatch;
}
