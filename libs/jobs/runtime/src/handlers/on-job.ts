// `@OnJob(definition)` marks a provider method as the handler of one job type. The mark is kept
// in a registry keyed by the class prototype (no Nest import here): JobsModule finds the marked
// methods on every provider at start-up and plans the consumers from them.
import { type JobDefinition } from '@portico/jobs-contracts';

const MARKS = new WeakMap<object, Map<string | symbol, JobDefinition>>();

export function OnJob(def: JobDefinition): MethodDecorator {
  return (target, method) => {
    const marks = MARKS.get(target) ?? new Map<string | symbol, JobDefinition>();
    marks.set(method, def);
    MARKS.set(target, marks);
  };
}

export interface MarkedHandler {
  readonly def: JobDefinition;
  readonly method: string | symbol;
}

/** The @OnJob methods of an instance, its class's and inherited ones (the most derived wins). */
export function markedHandlersOf(instance: object): MarkedHandler[] {
  const found = new Map<string | symbol, JobDefinition>();
  for (
    let proto = Object.getPrototypeOf(instance) as object | null;
    proto;
    proto = Object.getPrototypeOf(proto) as object | null
  ) {
    for (const [method, def] of MARKS.get(proto) ?? []) if (!found.has(method)) found.set(method, def);
  }
  return [...found].map(([method, def]) => ({ def, method }));
}
