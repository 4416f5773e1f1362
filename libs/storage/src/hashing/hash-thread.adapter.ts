// The body of the checksum thread (started by hash-thread-client.adapter.ts through
// walk/walk-loader.cjs): hashes the files of each batch it is sent, one after another with
// synchronous calls into one reused buffer, and answers once per batch. Batches are taken in
// the order they arrive.
import { parentPort, workerData } from 'node:worker_threads';

import { type HashAlgorithm } from './algorithms';
import { type Digester, sequentialDigesters } from './digesters';
import { hashFileSync } from './hash-file-sync.adapter';
import {
  type HashBatchReply,
  type HashBatchRequest,
  type HashOutcome,
  type HashThreadData,
  toWireError,
} from './hash-thread-protocol';

function run(): void {
  if (!parentPort) throw new Error('hash-thread.adapter must run in a worker thread');
  const port = parentPort;
  const { config } = workerData as HashThreadData;
  // One buffer for the thread's lifetime: memory stays one chunk whatever the files' sizes.
  const buffer = Buffer.allocUnsafeSlow(config.chunkBytes);
  // One digester maker per algorithm for the thread's lifetime (the xxHash ones keep their WASM
  // instance): files are hashed one at a time here.
  const makers = new Map<HashAlgorithm, () => Digester>();
  let previous = Promise.resolve();

  async function digestersFor(algorithms: readonly HashAlgorithm[]): Promise<() => Digester[]> {
    for (const algorithm of algorithms) {
      if (!makers.has(algorithm)) makers.set(algorithm, await sequentialDigesters(algorithm));
    }
    const chosen = algorithms.map((algorithm) => makers.get(algorithm)!);
    return () => chosen.map((make) => make());
  }

  async function hashBatch(request: HashBatchRequest): Promise<HashBatchReply> {
    const stopped = (): boolean => Atomics.load(request.abort, 0) !== 0;
    const options = { buffer, recheckIntervalMs: config.recheckIntervalMs, stopped };
    let fresh: () => Digester[];
    try {
      fresh = await digestersFor(request.algorithms);
    } catch (error) {
      // No digester, no sum: every file of the batch fails with the reason.
      const outcome: HashOutcome = { ok: false, error: toWireError(error) };
      return { type: 'hashed', id: request.id, outcomes: request.paths.map(() => outcome) };
    }
    const outcomes: HashOutcome[] = [];
    for (const path of request.paths) {
      if (stopped()) return { type: 'aborted', id: request.id };
      try {
        const result = hashFileSync(path, fresh(), options);
        if (!result) return { type: 'aborted', id: request.id };
        outcomes.push({ ok: true, result });
      } catch (error) {
        outcomes.push({ ok: false, error: toWireError(error) });
      }
    }
    return { type: 'hashed', id: request.id, outcomes };
  }

  port.on('message', (request: HashBatchRequest) => {
    // An error here is a defect of this code, not of a file: it ends the thread (an unhandled
    // rejection), the owner rejects the batch with it and starts a new thread for the next one.
    previous = previous.then(async () => port.postMessage(await hashBatch(request)));
  });
}

run();
