import type { Lifecycle } from './lifecycle';
import type { Emit } from './output';

export interface BenchContext {
  /** `--quick`: the smaller version for CI smoke runs. */
  readonly quick: boolean;
  /** Writes one result line to stdout. */
  readonly emit: Emit;
  /** Progress on stderr. */
  readonly log: (message: string) => void;
  /** Register everything that must be torn down, as soon as it exists. */
  readonly lifecycle: Lifecycle;
}

export interface Benchmark {
  run(context: BenchContext): Promise<void>;
}
