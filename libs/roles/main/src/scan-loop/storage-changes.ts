// The leader's watch on its storage: the root from the start of its leadership, then the folders
// each completed scan listed. What the watch could not do (a system limit, folders beyond the
// cap, a network file system) is logged once per leadership, not after every scan.
import {
  DEFAULT_MAX_WATCHES,
  type StorageWatch,
  type StorageWatcher,
  type WatchReport,
} from '@portico/storage';

import { ListedFolders } from './listed-folders';

export interface ChangesLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}

export interface StorageChangesDeps {
  readonly watcher: StorageWatcher;
  /** This node's mount point of the storage. */
  readonly root: string;
  readonly logger: ChangesLogger;
  /** Something changed on the storage (coalesced). */
  readonly onChange: () => void;
  readonly maxWatches?: number;
}

export class StorageChanges {
  private watch: StorageWatch | undefined;
  private closed = false;
  private readonly logged = new Set<string>();
  private readonly maxWatches: number;

  constructor(private readonly deps: StorageChangesDeps) {
    this.maxWatches = deps.maxWatches ?? DEFAULT_MAX_WATCHES;
  }

  /** A recorder for the next scan's folders, as many as can be watched besides the root. */
  recorder(): ListedFolders {
    return new ListedFolders(Math.max(0, this.maxWatches - 1));
  }

  /**
   * Watches the root, if nothing is watched yet (before the first scan of a leadership). Resolves
   * once the watch is set and its report logged (callers need not wait).
   */
  start(ignorePatterns: readonly string[]): Promise<void> {
    if (this.closed) return Promise.resolve();
    if (this.watch) return this.watch.ready.then(() => undefined);
    const watch = this.deps.watcher.watch({
      root: this.deps.root,
      ignorePatterns,
      maxWatches: this.maxWatches,
      onChange: this.deps.onChange,
    });
    this.watch = watch;
    return watch.ready.then((report) => {
      if (this.watch === watch) this.report(report, 0);
    });
  }

  /**
   * After a completed scan: watches the folders it listed (and releases those it did not).
   * Resolves once done and logged (callers need not wait).
   */
  refresh(folders: ListedFolders, ignorePatterns: readonly string[]): Promise<void> {
    void this.start(ignorePatterns);
    const watch = this.watch;
    if (!watch) return Promise.resolve();
    return watch.update(folders.paths(), ignorePatterns).then((report) => {
      if (this.watch === watch) this.report(report, folders.dropped);
    });
  }

  /** Demotion or shutdown: every watch released, for good (a new leadership makes a new instance). */
  close(): void {
    this.closed = true;
    this.watch?.close();
    this.watch = undefined;
  }

  private report(report: WatchReport, dropped: number): void {
    const { logger, root } = this.deps;
    const problem = report.problem;
    if (problem) {
      if (this.once(`problem:${problem.reason}:${problem.code ?? ''}`)) {
        const fields = {
          root,
          watched: report.watched,
          unwatched: report.unwatched + dropped,
          code: problem.code,
        };
        if (problem.reason === 'network-file-system') logger.info(fields, problem.message);
        else logger.warn(fields, problem.message);
      }
      return;
    }
    if (report.watched > 0 && this.once('watching'))
      logger.info(
        { root, watched: report.watched },
        'watching the storage for changes: a scan starts soon after one',
      );
    const unwatched = report.unwatched + dropped;
    if (unwatched > 0 && this.once('cap'))
      logger.warn(
        { root, watched: report.watched, unwatched, maxWatches: this.maxWatches },
        `${unwatched} folders of ${root} are not watched (at most ${this.maxWatches} are, the shallowest): ` +
          'changes in them are found by the interval scan (scan_interval_seconds)',
      );
  }

  private once(key: string): boolean {
    if (this.logged.has(key)) return false;
    this.logged.add(key);
    return true;
  }
}
