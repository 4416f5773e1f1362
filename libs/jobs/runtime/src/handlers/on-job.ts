// `@OnJob(definition)` marks a provider method as the handler of one job type. The mark is kept
// in a registry keyed by the class prototype (no Nest import here): JobsModule finds the marked
// methods on every provider at start-up and plans the consumers from them.
import { type JobDefinition, type JobPayload } from '@portico/jobs-contracts';

/** How a batch handler's batches are sized (see BatchSizing). */
export interface BatchMarkOptions<D extends JobDefinition> {
  readonly maxJobs: number;
  readonly budget: number;
  readonly weigh: (payload: JobPayload<D>) => number;
}

interface Mark {
  readonly def: JobDefinition;
  readonly batch?: BatchMarkOptions<JobDefinition>;
}

const MARKS = new WeakMap<object, Map<string | symbol, Mark>>();

function mark(target: object, method: string | symbol, value: Mark): void {
  const marks = MARKS.get(target) ?? new Map<string | symbol, Mark>();
  marks.set(method, value);
  MARKS.set(target, marks);
}

/** The method handles one job of `def` at a time: `(ctx: JobContext) => Promise<output>`. */
export function OnJob(def: JobDefinition): MethodDecorator {
  return (target, method) => mark(target, method, { def });
}

/**
 * The method handles batches of `def`: `(batch: JobBatchContext) => Promise<Map<jobId, result>>`.
 * Each slot of the job's concurrency runs one batch at a time.
 */
export function OnJobBatch<D extends JobDefinition>(def: D, options: BatchMarkOptions<D>): MethodDecorator {
  return (target, method) => mark(target, method, { def, batch: options });
}

export interface MarkedHandler {
  readonly def: JobDefinition;
  readonly method: string | symbol;
  readonly batch?: BatchMarkOptions<JobDefinition>;
}

/** The @OnJob methods of an instance, its class's and inherited ones (the most derived wins). */
export function markedHandlersOf(instance: object): MarkedHandler[] {
  const found = new Map<string | symbol, Mark>();
  for (
    let proto = Object.getPrototypeOf(instance) as object | null;
    proto;
    proto = Object.getPrototypeOf(proto) as object | null
  ) {
    for (const [method, value] of MARKS.get(proto) ?? []) if (!found.has(method)) found.set(method, value);
  }
  return [...found].map(([method, value]) => ({ method, ...value }));
}
