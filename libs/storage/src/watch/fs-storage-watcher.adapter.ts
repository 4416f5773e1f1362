// Watching the storage with node:fs watch(): inotify on Linux, one non-recursive watch per folder.
// Node 20's `recursive: true` lists the whole tree synchronously on the event loop, which a large
// storage cannot afford; here the caller names the folders (the last scan's) and they are added a
// slice at a time, so the loop (and the leader's lease renewal) never waits more than a few ms.
import { type FSWatcher, watch } from 'node:fs';
import { readFile, statfs } from 'node:fs/promises';
import path from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';

import { compileIgnorePatterns, type IgnoreMatcher } from '../walk/ignore-matcher';
import { PORTICO_FOLDER } from '../walk/list-directory.adapter';
import { childPath } from '../walk/walk';
import {
  DEFAULT_MAX_WATCHES,
  type StorageWatch,
  StorageWatcher,
  type WatchOptions,
  type WatchProblem,
  type WatchReport,
} from './storage-watcher';
import {
  limitProblem,
  networkFileSystem,
  networkProblem,
  planWatches,
  unavailableProblem,
  watchFailure,
} from './watch-plan';

/** Watches added per turn of the event loop: 4,096 took 24–31 ms here, so a slice costs ~2 ms. */
const WATCHES_PER_TURN = 256;

/** Where Linux states the inotify limits named in the warnings. */
const LIMIT_FILES: Readonly<Record<string, string>> = {
  ENOSPC: '/proc/sys/fs/inotify/max_user_watches',
  EMFILE: '/proc/sys/fs/inotify/max_user_instances',
};

export class FsStorageWatcher extends StorageWatcher {
  watch(options: WatchOptions): StorageWatch {
    return new FsStorageWatch(options);
  }
}

class FsStorageWatch implements StorageWatch {
  readonly ready: Promise<WatchReport>;
  /** Relative folder → its watch; '' is the root. */
  private readonly watches = new Map<string, FSWatcher>();
  private readonly maxWatches: number;
  private matcher: IgnoreMatcher;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;
  /** A change was seen and onChange is scheduled for this turn's end. */
  private pending = false;
  /**
   * Watched folders that may have been removed or moved away (a rename event named them): the
   * kernel dropped or moved their watch, so the next update sets it again (or skips the folder).
   */
  private readonly suspect = new Set<string>();
  /** Set once: a network file system is never watched. */
  private networkOff: WatchProblem | null = null;

  constructor(private readonly options: WatchOptions) {
    this.maxWatches = options.maxWatches ?? DEFAULT_MAX_WATCHES;
    this.matcher = compileIgnorePatterns(options.ignorePatterns);
    this.ready = this.enqueue(async () => {
      this.networkOff = await this.networkProblem();
      return this.apply(options.directories ?? []);
    });
  }

  update(directories: readonly string[], ignorePatterns: readonly string[]): Promise<WatchReport> {
    return this.enqueue(() => {
      this.matcher = compileIgnorePatterns(ignorePatterns);
      return this.apply(directories);
    });
  }

  close(): void {
    this.closed = true;
    for (const watcher of this.watches.values()) watcher.close();
    this.watches.clear();
  }

  private enqueue(work: () => Promise<WatchReport>): Promise<WatchReport> {
    const next = this.queue.then(work);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async apply(directories: readonly string[]): Promise<WatchReport> {
    const plan = planWatches(directories, this.maxWatches);
    const given = plan.chosen.length + plan.unwatched;
    if (this.closed) return { watched: 0, unwatched: given, skipped: 0, problem: null };
    if (this.networkOff) return { watched: 0, unwatched: given, skipped: 0, problem: this.networkOff };

    const root = this.options.root;
    if (this.suspect.has('')) {
      this.watches.get('')?.close();
      this.watches.delete('');
    }
    if (!this.watches.has('')) {
      const error = this.add('');
      if (error) {
        // Without the root nothing is watched: the folders below it are on the same mount.
        for (const watcher of this.watches.values()) watcher.close();
        this.watches.clear();
        const problem =
          watchFailure(error.code) === 'limit'
            ? await this.limitProblem(error.code!, 0, given)
            : unavailableProblem(root, error.code ?? null, error.message);
        return { watched: 0, unwatched: given, skipped: 0, problem };
      }
    }

    const wanted = new Set(plan.chosen);
    for (const [dir, watcher] of this.watches) {
      if (dir === '' || (wanted.has(dir) && !this.suspect.has(dir))) continue;
      watcher.close();
      this.watches.delete(dir);
    }
    this.suspect.clear();
    let skipped = 0;
    let added = 0;
    let limit: { code: string; left: number } | null = null;
    for (let index = 0; index < plan.chosen.length; index++) {
      const dir = plan.chosen[index]!;
      if (this.watches.has(dir)) continue;
      if (added > 0 && added % WATCHES_PER_TURN === 0) {
        await nextTurn();
        if (this.closed) return { watched: 0, unwatched: given, skipped, problem: null };
      }
      added += 1;
      const error = this.add(dir);
      if (!error) continue;
      if (watchFailure(error.code) === 'skip') {
        skipped += 1;
        continue;
      }
      limit = {
        code: error.code!,
        left: plan.chosen.slice(index).filter((rest) => !this.watches.has(rest)).length,
      };
      break;
    }
    const watched = this.watches.size;
    const unwatched = plan.unwatched + (limit?.left ?? 0);
    const problem = limit ? await this.limitProblem(limit.code, watched, unwatched) : null;
    return { watched, unwatched, skipped, problem };
  }

  /** Watches one folder; the error when it cannot be watched. */
  private add(dir: string): NodeJS.ErrnoException | null {
    const target = dir === '' ? this.options.root : path.join(this.options.root, dir);
    const self = path.basename(target);
    try {
      const watcher = watch(target, { persistent: false }, (event, filename) =>
        this.seen(dir, self, event, filename),
      );
      // A watch that fails later (its folder gone on some platforms) is dropped, never thrown.
      watcher.on('error', () => {
        watcher.close();
        if (this.watches.get(dir) === watcher) this.watches.delete(dir);
      });
      this.watches.set(dir, watcher);
      return null;
    } catch (error) {
      return error as NodeJS.ErrnoException;
    }
  }

  /** One event: flags, nothing more; onChange runs once at the end of this turn of the loop. */
  private seen(dir: string, self: string, event: string, filename: string | null): void {
    if (this.closed) return;
    if (event === 'rename' && filename !== null) {
      // A watched sub-folder renamed or removed (its parent's event), or this folder itself (an
      // event on the watch's own folder carries that folder's name).
      const child = childPath(dir, filename);
      if (this.watches.has(child)) this.suspect.add(child);
      if (filename === self) this.suspect.add(dir);
    }
    if (filename !== null) {
      if (dir === '' && filename === PORTICO_FOLDER) return;
      if (this.matcher(filename, childPath(dir, filename))) return;
    }
    if (this.pending) return;
    this.pending = true;
    setImmediate(() => {
      this.pending = false;
      if (!this.closed) this.options.onChange();
    });
  }

  private async networkProblem(): Promise<WatchProblem | null> {
    if (process.platform !== 'linux') return null;
    try {
      const stats = await statfs(this.options.root);
      const fileSystem = networkFileSystem(stats.type);
      return fileSystem ? networkProblem(this.options.root, fileSystem) : null;
    } catch {
      // Not readable now: the root's watch fails too and says why.
      return null;
    }
  }

  private async limitProblem(code: string, watched: number, unwatched: number): Promise<WatchProblem> {
    let current: number | null = null;
    const file = process.platform === 'linux' ? LIMIT_FILES[code] : undefined;
    if (file) {
      const text = await readFile(file, 'utf8').catch(() => '');
      const value = Number.parseInt(text.trim(), 10);
      if (Number.isFinite(value)) current = value;
    }
    return limitProblem({
      code,
      platform: process.platform,
      root: this.options.root,
      watched,
      unwatched,
      current,
    });
  }
}
