// Guaranteed cleanup for benchmarks: everything a benchmark starts (services, processes, temp
// folders) is registered here as it starts, and is torn down in reverse order when the
// benchmark ends, fails, or the runner gets SIGINT/SIGTERM.

export type CleanupStep = () => unknown;

/** Upper bound of one cleanup step, so a hung step cannot keep the runner alive. */
const STEP_TIMEOUT_MS = 30_000;

export class Lifecycle {
  private readonly steps: Array<{ name: string; step: CleanupStep }> = [];
  private closing: Promise<void> | undefined;

  constructor(private readonly log: (message: string) => void) {}

  /** Registers a cleanup step; steps run last-registered first. */
  defer(name: string, step: CleanupStep): void {
    if (this.closing) throw new Error(`cannot register "${name}": cleanup has already started`);
    this.steps.push({ name, step });
  }

  /** Runs every step once (later calls wait for the first); a failing step does not stop the others. */
  close(): Promise<void> {
    this.closing ??= this.runSteps();
    return this.closing;
  }

  private async runSteps(): Promise<void> {
    for (let entry = this.steps.pop(); entry; entry = this.steps.pop()) {
      const { name, step } = entry;
      let timer: ReturnType<typeof setTimeout> | undefined;
      try {
        await Promise.race([
          Promise.resolve().then(step),
          new Promise((_, reject) => {
            timer = setTimeout(
              () => reject(new Error(`timed out after ${STEP_TIMEOUT_MS} ms`)),
              STEP_TIMEOUT_MS,
            );
          }),
        ]);
      } catch (error) {
        this.log(`cleanup "${name}" failed: ${error instanceof Error ? error.message : String(error)}`);
      } finally {
        clearTimeout(timer);
      }
    }
  }
}
