// The body of one walker thread: lists the folders the session hands it, one at a time, and
// posts their chunks back. It may have at most `maxOutstanding` entries posted and not yet taken
// by the consumer; past that it waits (with its folder still open) for the session to report
// chunks taken. That bounds memory whatever the consumer's pace.
import { parentPort, workerData } from 'node:worker_threads';

import { packChunk, type PackedChunk } from './chunk-transfer';
import { compileIgnorePatterns } from './ignore-matcher';
import { compileScanScope } from './scan-scope';
import { type ListingContext, listDirectory } from './list-directory.adapter';
import type { DirectoryChunk, DirectoryTask } from './walk';

export interface WalkThreadConfig {
  readonly rootReal: string;
  readonly ignorePatterns: readonly string[];
  readonly scanDirectories: readonly string[];
  readonly chunkEntries: number;
  readonly maxOutstanding: number;
}

export type ToThread =
  | { readonly type: 'tasks'; readonly tasks: readonly DirectoryTask[] }
  | { readonly type: 'taken'; readonly weight: number }
  | { readonly type: 'stop' };

export type FromThread =
  | { readonly type: 'chunk'; readonly chunk: PackedChunk; readonly weight: number }
  /** Every folder handed to it is listed. */
  | { readonly type: 'idle' }
  /** Out of allowance until chunks are taken. */
  | { readonly type: 'waiting' }
  | { readonly type: 'crash'; readonly message: string };

/** What a chunk costs against the thread's allowance (an empty folder still costs one). */
export function chunkWeight(chunk: DirectoryChunk): number {
  return chunk.files.names.length + chunk.subdirs.length + chunk.issues.length + 1;
}

function run(): void {
  if (!parentPort) throw new Error('walk-thread.adapter must run in a worker thread');
  const port = parentPort;
  const { config } = workerData as { config: WalkThreadConfig };
  const context: ListingContext = {
    rootReal: config.rootReal,
    ignore: compileIgnorePatterns(config.ignorePatterns),
    inScope: compileScanScope(config.scanDirectories),
    chunkEntries: config.chunkEntries,
  };
  const tasks: DirectoryTask[] = [];
  let outstanding = 0;
  let stopped = false;
  let resume: (() => void) | undefined;
  let running = false;

  const send = (message: FromThread): void => port.postMessage(message);
  const sendChunk = (chunk: DirectoryChunk, weight: number): void => {
    const packed = packChunk(chunk);
    // The numbers' buffer is moved, not copied (a fresh ArrayBuffer, never shared).
    const numbers = packed.files.numbers.buffer as ArrayBuffer;
    port.postMessage({ type: 'chunk', chunk: packed, weight } satisfies FromThread, [numbers]);
  };
  const wake = (): void => {
    const next = resume;
    resume = undefined;
    next?.();
  };

  async function drain(): Promise<void> {
    running = true;
    while (!stopped && tasks.length > 0) {
      const task = tasks.shift()!;
      const listing = listDirectory(task, context);
      try {
        for (const chunk of listing) {
          const weight = chunkWeight(chunk);
          while (!stopped && outstanding > 0 && outstanding + weight > config.maxOutstanding) {
            send({ type: 'waiting' });
            await new Promise<void>((resolve) => (resume = resolve));
          }
          if (stopped) break;
          outstanding += weight;
          sendChunk(chunk, weight);
        }
      } finally {
        listing.return(undefined); // closes the folder if the listing was left half-way
      }
      if (!stopped && tasks.length === 0) send({ type: 'idle' });
    }
    running = false;
    if (stopped) port.close();
  }

  port.on('message', (message: ToThread) => {
    switch (message.type) {
      case 'tasks':
        tasks.push(...message.tasks);
        if (!running)
          drain().catch((error: unknown) => {
            send({
              type: 'crash',
              message: error instanceof Error ? (error.stack ?? error.message) : String(error),
            });
          });
        return;
      case 'taken':
        outstanding -= message.weight;
        wake();
        return;
      case 'stop':
        stopped = true;
        wake();
        if (!running) port.close();
        return;
    }
  });
}

run();
