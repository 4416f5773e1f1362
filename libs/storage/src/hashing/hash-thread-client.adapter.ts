// The owner's side of the checksum thread (hash-thread.adapter.ts): one long-lived worker thread,
// started at the first batch, given one batch at a time while the others wait here in order.
// It holds the process open only while it has work (ref'd while a batch runs, unref'd when idle).
// A thread that dies fails the batch it held with the reason, and the next batch starts a new one.
import path from 'node:path';
import { Worker } from 'node:worker_threads';

import { type HashAlgorithm } from './algorithms';
import { type FileHashResult } from './file-hasher';
import {
  fromWireError,
  type HashBatchReply,
  type HashBatchRequest,
  type HashThreadConfig,
  type HashThreadData,
} from './hash-thread-protocol';

const LOADER = path.join(__dirname, '..', 'walk', 'walk-loader.cjs');
/** The thread's module, relative to the loader's folder. */
export const HASH_THREAD_MODULE = '../hashing/hash-thread.adapter';

interface Call {
  readonly id: number;
  readonly paths: readonly string[];
  readonly algorithms: readonly HashAlgorithm[];
  readonly signal: AbortSignal | undefined;
  readonly abort: Int32Array;
  readonly resolve: (results: Array<FileHashResult | Error>) => void;
  readonly reject: (error: unknown) => void;
  onAbort?: () => void;
}

export class HashThreadClient {
  private worker: Worker | undefined;
  private readonly waiting: Call[] = [];
  private running: Call | undefined;
  private nextId = 1;

  constructor(
    private readonly config: HashThreadConfig,
    /** The thread's module for the loader: the real one, or in tests one that wraps it. */
    private readonly module: string = HASH_THREAD_MODULE,
  ) {}

  /** One outcome per path, in order; rejects with the signal's reason or the thread's failure. */
  hash(
    paths: readonly string[],
    algorithms: readonly HashAlgorithm[],
    signal?: AbortSignal,
  ): Promise<Array<FileHashResult | Error>> {
    return new Promise((resolve, reject) => {
      const call: Call = {
        id: this.nextId++,
        paths,
        algorithms,
        signal,
        abort: new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT)),
        resolve,
        reject,
      };
      if (signal) {
        call.onAbort = () => this.abort(call);
        signal.addEventListener('abort', call.onAbort, { once: true });
      }
      this.waiting.push(call);
      this.dispatch();
    });
  }

  /** Ends the thread; the batch it holds and those waiting reject. A later batch starts a new one. */
  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    const calls = [...(this.running ? [this.running] : []), ...this.waiting.splice(0)];
    this.running = undefined;
    for (const call of calls) {
      this.settle(call, () =>
        call.reject(
          new Error(
            `the checksum thread was closed before it hashed ${describe(call)}; nothing of them was ` +
              'returned: hash them again',
          ),
        ),
      );
    }
    if (worker) await worker.terminate();
  }

  private abort(call: Call): void {
    const index = this.waiting.indexOf(call);
    if (index >= 0) {
      this.waiting.splice(index, 1);
      this.settle(call, () => call.reject(call.signal?.reason));
      return;
    }
    // Running: the thread stops before its next file (or chunk) and answers 'aborted'.
    Atomics.store(call.abort, 0, 1);
  }

  private dispatch(): void {
    if (this.running) return;
    const call = this.waiting.shift();
    if (!call) {
      this.worker?.unref();
      return;
    }
    let worker: Worker;
    try {
      worker = this.worker ?? this.start();
    } catch (error) {
      // Out of threads or memory: this batch fails with the reason, the next ones try again.
      const reason = `cannot start the checksum thread to hash ${describe(call)}: ${messageOf(error)}`;
      const failure = new Error(reason, { cause: error });
      this.settle(call, () => call.reject(failure));
      this.dispatch();
      return;
    }
    this.running = call;
    worker.ref();
    const request: HashBatchRequest = {
      type: 'hash',
      id: call.id,
      paths: call.paths,
      algorithms: call.algorithms,
      abort: call.abort,
    };
    worker.postMessage(request);
  }

  private start(): Worker {
    const workerData: HashThreadData = { module: this.module, config: this.config };
    // Node's default, stated because close() depends on it: a thread terminated in the middle of
    // a file runs no `finally`, and Node closes the descriptors it opened with fs.openSync.
    const worker = new Worker(LOADER, { workerData, trackUnmanagedFds: true });
    let failure: Error | undefined;
    worker.on('message', (reply: HashBatchReply) => {
      if (worker === this.worker) this.onReply(reply);
    });
    worker.on('error', (error) => (failure = error));
    worker.on('exit', (code) => {
      if (worker === this.worker) this.onExit(code, failure);
    });
    this.worker = worker;
    return worker;
  }

  private onReply(reply: HashBatchReply): void {
    const call = this.running;
    if (!call || call.id !== reply.id) return;
    this.running = undefined;
    if (reply.type === 'hashed') {
      const results = reply.outcomes.map((outcome) =>
        outcome.ok ? outcome.result : fromWireError(outcome.error),
      );
      this.settle(call, () => call.resolve(results));
    } else {
      this.settle(call, () => call.reject(call.signal?.reason));
    }
    this.dispatch();
  }

  private onExit(code: number, failure: Error | undefined): void {
    this.worker = undefined;
    const call = this.running;
    this.running = undefined;
    if (call) {
      const what = failure ? `failed (${failure.name}: ${failure.message})` : `exited (code ${code})`;
      const error = new Error(
        `the checksum thread ${what} while hashing ${describe(call)}; nothing of them was returned: ` +
          'hash them again (a new thread is started)',
        failure ? { cause: failure } : undefined,
      );
      this.settle(call, () => call.reject(error));
    }
    this.dispatch();
  }

  private settle(call: Call, settle: () => void): void {
    if (call.onAbort) call.signal?.removeEventListener('abort', call.onAbort);
    settle();
  }
}

function describe(call: Call): string {
  const count = call.paths.length;
  return `${count} file${count === 1 ? '' : 's'} (the first ${call.paths[0]})`;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
