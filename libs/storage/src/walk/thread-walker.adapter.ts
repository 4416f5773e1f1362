// The walker: `concurrency` worker threads, each listing one folder at a time with synchronous
// calls (list-directory.adapter.ts), and a session on the calling thread that hands them folders
// and buffers their chunks until the consumer takes them.
import { lstat, realpath } from 'node:fs/promises';
import path from 'node:path';
import { Worker } from 'node:worker_threads';

import { unpackChunk } from './chunk-transfer';
import type { FromThread, ToThread, WalkThreadConfig } from './walk-thread.adapter';
import {
  DEFAULT_BUFFER_ENTRIES,
  DEFAULT_CHUNK_ENTRIES,
  type Descend,
  type DirectoryChunk,
  type DirectoryTask,
  type PathProbe,
  StorageWalker,
  type WalkOptions,
  type WalkSession,
} from './walk';

const LOADER = path.join(__dirname, 'walk-loader.cjs');
const PROBE_CONCURRENCY = 32;
const FOLDERS_PER_MESSAGE = 16;

export class ThreadStorageWalker extends StorageWalker {
  async open(options: WalkOptions, descend?: Descend): Promise<WalkSession> {
    if (!Number.isInteger(options.concurrency) || options.concurrency < 1)
      throw new RangeError(`walker concurrency must be a whole number >= 1, got ${options.concurrency}`);
    let rootReal: string;
    try {
      rootReal = await realpath(options.root);
    } catch (error) {
      throw new Error(
        `storage root ${options.root} cannot be resolved (${messageOf(error)}); check the mount point`,
        { cause: error },
      );
    }
    const chunkEntries = options.chunkEntries ?? DEFAULT_CHUNK_ENTRIES;
    const config: WalkThreadConfig = {
      rootReal,
      ignorePatterns: [...options.ignorePatterns],
      scanDirectories: [...(options.scanDirectories ?? [])],
      chunkEntries,
      maxOutstanding: Math.ceil((options.bufferEntries ?? DEFAULT_BUFFER_ENTRIES) / options.concurrency),
    };
    return new ThreadWalkSession(config, options.concurrency, descend);
  }

  async probe(root: string, paths: readonly string[]): Promise<PathProbe[]> {
    const results: PathProbe[] = new Array<PathProbe>(paths.length);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < paths.length) {
        const index = next++;
        results[index] = await probeOne(path.join(root, paths[index]!));
      }
    };
    await Promise.all(Array.from({ length: Math.min(PROBE_CONCURRENCY, paths.length) }, worker));
    return results;
  }
}

async function probeOne(abs: string): Promise<PathProbe> {
  try {
    const stats = await lstat(abs, { bigint: true });
    return { state: 'present', inode: BigInt.asIntN(64, stats.ino).toString() };
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { state: 'missing' };
    return { state: 'unknown', message: messageOf(error) };
  }
}

interface Lister {
  readonly worker: Worker;
  busy: boolean;
  /** Out of allowance: it produces nothing until chunks of its are taken. */
  waiting: boolean;
  exited: boolean;
}

interface Buffered {
  readonly chunk: DirectoryChunk;
  readonly weight: number;
  readonly lister: Lister;
}

class ThreadWalkSession implements WalkSession {
  private readonly listers: Lister[] = [];
  private readonly tasks: DirectoryTask[] = [];
  private readonly buffered: Buffered[] = [];
  private bufferedEntries = 0;
  private failure: Error | undefined;
  private wake: (() => void) | undefined;
  private closed = false;

  constructor(
    config: WalkThreadConfig,
    concurrency: number,
    private readonly descend: Descend | undefined,
  ) {
    for (let index = 0; index < concurrency; index++) {
      const worker = new Worker(LOADER, {
        workerData: { module: 'walk-thread.adapter', config },
        // A lister holds a few chunks at a time: a small heap keeps the threads' memory small.
        resourceLimits: { maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 96 },
      });
      const lister: Lister = { worker, busy: false, waiting: false, exited: false };
      worker.on('message', (message: FromThread) => this.onMessage(lister, message));
      worker.on('error', (error) =>
        this.fail(new Error(`walker thread failed: ${error.message}`, { cause: error })),
      );
      worker.on('exit', (code) => {
        lister.exited = true;
        if (!this.closed) this.fail(new Error(`walker thread exited unexpectedly (code ${code})`));
      });
      this.listers.push(lister);
    }
  }

  get queued(): number {
    return this.tasks.length;
  }

  add(tasks: readonly DirectoryTask[]): void {
    if (this.closed) throw new Error('walk session is closed');
    for (const task of tasks) this.tasks.push(task);
    this.dispatch();
  }

  async next(maxEntries: number, minEntries = 1): Promise<DirectoryChunk[] | null> {
    for (;;) {
      if (this.failure) throw this.failure;
      if (this.closed) return null;
      const producing = this.tasks.length > 0 || this.listers.some((lister) => lister.busy);
      // Listers waiting for their chunks to be taken will not produce more: take what there is.
      const stalled = this.listers.every((lister) => !lister.busy || lister.waiting);
      if (this.buffered.length > 0 && (this.bufferedEntries >= minEntries || !producing || stalled))
        return this.take(maxEntries);
      if (!producing) return null;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.tasks.length = 0;
    this.buffered.length = 0;
    const exits = this.listers.map(
      (lister) =>
        new Promise<void>((resolve) => {
          if (lister.exited) return resolve();
          lister.worker.once('exit', () => resolve());
          lister.worker.postMessage({ type: 'stop' } satisfies ToThread);
        }),
    );
    // A thread stuck in a file-system call (a hung NFS mount) cannot stop on its own.
    const timer = setTimeout(() => {
      for (const lister of this.listers) if (!lister.exited) void lister.worker.terminate();
    }, 2000);
    await Promise.all(exits);
    clearTimeout(timer);
    this.signal();
  }

  private take(maxEntries: number): DirectoryChunk[] {
    const chunks: DirectoryChunk[] = [];
    const taken = new Map<Lister, number>();
    let entries = 0;
    while (this.buffered.length > 0) {
      const head = this.buffered[0]!;
      const size = head.chunk.files.names.length + head.chunk.subdirs.length;
      if (chunks.length > 0 && entries + size > maxEntries) break;
      this.buffered.shift();
      this.bufferedEntries -= size;
      chunks.push(head.chunk);
      entries += size;
      taken.set(head.lister, (taken.get(head.lister) ?? 0) + head.weight);
    }
    for (const [lister, weight] of taken) {
      lister.waiting = false;
      if (!lister.exited) lister.worker.postMessage({ type: 'taken', weight } satisfies ToThread);
    }
    return chunks;
  }

  private onMessage(lister: Lister, message: FromThread): void {
    if (this.closed) return;
    switch (message.type) {
      case 'chunk': {
        const chunk = unpackChunk(message.chunk);
        this.buffered.push({ chunk, weight: message.weight, lister });
        this.bufferedEntries += chunk.files.names.length + chunk.subdirs.length;
        const tasks = chunk.subdirs.length > 0 ? this.descend?.(chunk) : null;
        if (tasks && tasks.length > 0) {
          for (const task of tasks) this.tasks.push(task);
          this.dispatch();
        }
        break;
      }
      case 'idle':
        lister.busy = false;
        lister.waiting = false;
        this.dispatch();
        break;
      case 'waiting':
        lister.waiting = true;
        break;
      case 'crash':
        this.fail(new Error(`walker thread crashed: ${message.message}`));
        return;
    }
    this.signal();
  }

  /**
   * Depth first (last queued, first listed): the frontier stays small on wide trees. An idle
   * lister gets a few folders per message (messages between threads cost more than a small
   * folder's listing), never more than its share of the queue.
   */
  private dispatch(): void {
    for (const lister of this.listers) {
      if (this.tasks.length === 0) return;
      if (lister.busy || lister.exited) continue;
      const count = Math.min(FOLDERS_PER_MESSAGE, Math.ceil(this.tasks.length / this.listers.length));
      const tasks = this.tasks.splice(this.tasks.length - count, count).reverse();
      lister.busy = true;
      lister.worker.postMessage({ type: 'tasks', tasks } satisfies ToThread);
    }
  }

  private fail(error: Error): void {
    this.failure ??= error;
    this.signal();
  }

  private signal(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}

function messageOf(error: unknown): string {
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : String(error);
}
