import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { type LeaderElector, StaleTermError } from '@portico/cluster';
import { LOGGER, NODE_RUNTIME, type Logger, type NodeRuntime } from '@portico/platform';
import { FileStorageSentinel, ThreadStorageWalker } from '@portico/storage';
import { CatalogScanSink } from '../ingest/catalog-scan-sink';
import { Scanner, type ScanResult } from '../scan/scanner';
import { storageOfCluster } from './storage-of-cluster.repository';

/** Without a configured storage the leader looks again after this long. */
const NO_STORAGE_RETRY_MS = 5_000;
/** A failed scan (database down, storage unreadable) is retried after this long. */
const FAILURE_RETRY_MS = 5_000;

/**
 * The leader's scan loop (SPEC 2.5): while this node leads, it scans the cluster's storage every
 * `scan_interval_seconds` (sooner when a growing file is about to settle), resuming an unfinished
 * run of an earlier leader. Demotion aborts the walk between two batches; the run stays
 * resumable, and every write of it is fenced by the term it was started under.
 */
@Injectable()
export class ScanService implements OnModuleInit, OnApplicationShutdown {
  private controller: AbortController | undefined;
  private running: Promise<void> | undefined;
  private lastResult: ScanResult | undefined;

  constructor(
    @Inject(NODE_RUNTIME) private readonly runtime: NodeRuntime,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onModuleInit(): void {
    const elector = this.runtime.election?.elector;
    if (!elector) return;
    elector.onElected(() => this.start(elector));
    elector.onDemoted(() => this.stop());
  }

  async onApplicationShutdown(): Promise<void> {
    this.stop();
    await this.running;
  }

  /** The last finished scan, for status and tests. */
  last(): ScanResult | undefined {
    return this.lastResult;
  }

  private start(elector: LeaderElector): void {
    this.stop();
    const controller = new AbortController();
    this.controller = controller;
    this.running = this.loop(elector, controller.signal).finally(() => {
      if (this.controller === controller) this.controller = undefined;
    });
  }

  private stop(): void {
    this.controller?.abort(new Error('leadership ended'));
    this.controller = undefined;
    this.runtime.scanProgress.current = undefined;
  }

  private async loop(elector: LeaderElector, signal: AbortSignal): Promise<void> {
    const clusterId = this.runtime.identity.clusterId;
    let reportedNoStorage = false;
    while (!signal.aborted) {
      let waitMs: number;
      try {
        const storageId = await storageOfCluster(this.runtime.pool, clusterId);
        if (!storageId) {
          if (!reportedNoStorage)
            this.logger.warn({ clusterId }, 'no storage is configured for this cluster; nothing to scan yet');
          reportedNoStorage = true;
          waitMs = NO_STORAGE_RETRY_MS;
        } else {
          reportedNoStorage = false;
          waitMs = await this.scanOnce(elector, storageId, signal);
        }
      } catch (error) {
        if (error instanceof StaleTermError) {
          this.logger.warn({ reason: error.reason }, 'scan refused: this node no longer holds the term');
          return;
        }
        if (signal.aborted) return;
        this.logger.error({ err: error }, 'scan failed; retrying');
        waitMs = FAILURE_RETRY_MS;
      }
      await sleep(waitMs, signal);
    }
  }

  /** One scan (or the rest of an interrupted one); returns how long to wait before the next. */
  private async scanOnce(elector: LeaderElector, storageId: string, signal: AbortSignal): Promise<number> {
    const fence = elector.fenceContext('scan');
    // Not leading any more: the demotion aborts this loop.
    if (!fence) return NO_STORAGE_RETRY_MS;
    const values = this.runtime.settings.current.values;
    const scanner = new Scanner({
      pool: this.runtime.pool,
      walker: new ThreadStorageWalker(),
      sentinel: new FileStorageSentinel(),
      sink: new CatalogScanSink({
        clusterId: this.runtime.identity.clusterId,
        storageId,
        producer: this.runtime.jobs.producer,
        algorithms: () => this.runtime.settings.current.values.checksum_algorithms ?? ['md5'],
      }),
      root: this.runtime.mountPoint,
      logger: this.logger,
    });
    const started = Date.now();
    const result = await scanner.runScan(fence, {
      concurrency: values.scanner_concurrency_value,
      ignorePatterns: values.ignore_patterns ?? [],
      growingThresholdSeconds: values.growing_files_threshold_seconds,
      maxDeletionsPerScan: values.max_deletions_per_scan,
      signal,
      onBatch: (progress) => {
        this.runtime.scanProgress.current = {
          found: progress.found,
          processed: progress.processed,
          left: progress.left ?? Math.max(0, progress.found - progress.processed),
          ratePerSecond: progress.ratePerSecond,
        };
      },
    });
    this.lastResult = result;
    const { totals } = result;
    this.runtime.scanProgress.current = {
      ...(this.runtime.scanProgress.current ?? { found: 0, processed: 0, ratePerSecond: 0 }),
      left: 0,
    };
    this.logger.info(
      { runId: result.runId, state: result.state, resumed: result.resumed, totals, ms: Date.now() - started },
      `scan ${result.state}`,
    );
    for (const warning of result.warnings) this.logger.warn({ kind: warning.kind }, warning.message);
    const interval = values.scan_interval_seconds * 1000;
    return result.nextSettleInMs === null
      ? interval
      : Math.min(interval, Math.max(500, result.nextSettleInMs));
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
