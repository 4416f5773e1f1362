// One scan in its own process, so its peak RSS is the scan's alone. argv[2]: JSON of ChildInput.
// Prints one JSON line (ChildOutput) on stdout.
import { createPool } from '@portico/db';
import type { FenceContext } from '@portico/cluster';
// The MAIN role's index does not export the scanner yet (its module wiring is being written).
import {
  Scanner,
  ScanSink,
  type RunScanOptions,
  type ScanChange,
  type RunTotals,
} from '../../libs/roles/main/src/scan';
import { FileStorageSentinel, ThreadStorageWalker } from '@portico/storage';

export interface ChildInput {
  readonly databaseUrl: string;
  readonly root: string;
  readonly fence: FenceContext;
  readonly settings: RunScanOptions;
}

export interface ChildOutput {
  readonly seconds: number;
  readonly maxRssMb: number;
  readonly state: string;
  readonly totals: RunTotals;
  readonly handedOver: number;
  readonly nextSettleInMs: number | null;
}

/** The catalogue is not what this benchmark measures: the sink only counts what it is given. */
class CountingSink extends ScanSink {
  count = 0;
  apply(_client: unknown, changes: readonly ScanChange[]): Promise<void> {
    this.count += changes.length;
    return Promise.resolve();
  }
}

async function main(): Promise<void> {
  const input = JSON.parse(process.argv[2]!) as ChildInput;
  const pool = createPool(input.databaseUrl, { max: 4, applicationName: 'portico-bench-scan' });
  const sink = new CountingSink();
  const scanner = new Scanner({
    pool,
    walker: new ThreadStorageWalker(),
    sentinel: new FileStorageSentinel(),
    sink,
    root: input.root,
  });
  const started = performance.now();
  const result = await scanner.runScan(input.fence, input.settings);
  const seconds = (performance.now() - started) / 1000;
  await pool.end();
  const output: ChildOutput = {
    seconds,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
    state: result.state,
    totals: result.totals,
    handedOver: sink.count,
    nextSettleInMs: result.nextSettleInMs,
  };
  process.stdout.write(`${JSON.stringify(output)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
