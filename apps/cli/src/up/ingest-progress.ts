import type { CatalogSummary } from '@portico/control-plane-client';
import { count } from '../commands/removals.command';
import { counted } from '../commands/status.command';

/**
 * The one line `portico up` prints as files copied into the storage go through the pipeline:
 * `catalog: 3 files · 3 checksummed · 5/5 outputs stored · 0 jobs queued`, plus what failed.
 */
export function ingestProgressLine(catalog: CatalogSummary): string {
  const { originals, outputs, jobs } = catalog;
  const parts = [
    counted(originals.files, 'file'),
    `${count(originals.checksummed)} checksummed`,
    `${count(outputs.stored)}/${count(outputs.total)} outputs stored`,
    `${counted(jobs.queued, 'job')} queued`,
  ];
  const failed = originals.failed + outputs.failed;
  if (failed > 0) parts.push(`${count(failed)} failed (see portico status)`);
  return `catalog: ${parts.join(' · ')}`;
}

export interface IngestProgressOptions {
  /** The cluster's catalog summary, from the status API. */
  readonly fetch: () => Promise<CatalogSummary>;
  readonly print: (line: string) => void;
  /** Between two polls; a line is printed at most this often, and only when it changed. */
  readonly intervalMs?: number;
}

/**
 * Polls the catalog summary and prints the progress line when it differs from the last one
 * printed; an empty catalog prints nothing, so a quiet cluster keeps a quiet console. A failed
 * poll is reported once per distinct reason (the control plane may be restarting) and polling
 * goes on.
 */
export class IngestProgress {
  private last: string | undefined;
  private lastError: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly options: IngestProgressOptions) {}

  start(): void {
    this.stopped = false;
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  /** One poll: prints the line if it changed (exposed for tests). */
  async poll(): Promise<void> {
    let line: string;
    try {
      const catalog = await this.options.fetch();
      line = ingestProgressLine(catalog);
      this.lastError = undefined;
      if (this.last === undefined && catalog.originals.files === 0 && catalog.outputs.total === 0) {
        this.last = line;
        return;
      }
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      if (reason !== this.lastError && !this.stopped)
        this.options.print(`catalog: progress unavailable (${reason}); retrying`);
      this.lastError = reason;
      return;
    }
    if (line === this.last || this.stopped) return;
    this.last = line;
    this.options.print(line);
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      void this.poll().finally(() => this.schedule());
    }, this.options.intervalMs ?? 3000);
    // The cluster's own lifetime keeps the process alive, not this poll.
    this.timer.unref();
  }
}
