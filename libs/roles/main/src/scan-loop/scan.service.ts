import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { type LeaderElector, StaleTermError } from '@portico/cluster';
import { StatisticsKeeper } from '@portico/db';
import { LOGGER, NODE_RUNTIME, type Logger, type NodeRuntime } from '@portico/platform';
import {
  FileStorageSentinel,
  FsStorageWatcher,
  type StorageWalker,
  ThreadStorageWalker,
} from '@portico/storage';
import { CatalogScanSink } from '../ingest/catalog-scan-sink';
import { Scanner, type ScanResult } from '../scan/scanner';
import { RecordingWalker } from './listed-folders';
import { NextScanPolicy, type ScanEnd } from './next-scan-policy';
import { RemovalApprovals } from './removal-approvals';
import { StorageChanges } from './storage-changes';
import { type ScannedStorage, storageOfCluster } from './storage-of-cluster.repository';
import { WakeAlarm } from './wake-alarm';

/** Without a configured storage the leader looks again after this long. */
const NO_STORAGE_RETRY_MS = 5_000;
/** A failed scan (database down, storage unreadable) is retried after this long. */
const FAILURE_RETRY_MS = 5_000;
/** Between two scans the leader looks this often for operators' approvals of held removals. */
const APPROVAL_POLL_MS = 2_000;
/** The same failure to apply approvals is logged again after this long at most. */
const APPROVAL_ERROR_LOG_MS = 60_000;

/** One leadership's scan loop: stopped by its controller, timed by its policy, woken by its alarm. */
interface Leadership {
  readonly controller: AbortController;
  readonly policy: NextScanPolicy;
  readonly alarm: WakeAlarm;
  /** The watch on the storage at this node's mount point. */
  readonly changes: StorageChanges;
}

/**
 * The leader's scan loop (SPEC 2.5): while this node leads, it scans the cluster's storage every
 * `scan_interval_seconds` (sooner when a growing file is about to settle), resuming an unfinished
 * run of an earlier leader, and soon after the storage reports a change (see NextScanPolicy).
 * Demotion aborts the walk between two batches; the run stays resumable, and every write of it
 * is fenced by the term it was started under. Between two scans (never during one) it applies
 * operators' approvals of held removals, polled every 2 s.
 */
@Injectable()
export class ScanService implements OnModuleInit, OnApplicationShutdown {
  private leadership: Leadership | undefined;
  private running: Promise<void> | undefined;
  private lastResult: ScanResult | undefined;
  private lastApprovalError: { message: string; at: number } | undefined;
  /** Keeps the planner's statistics of the tables an ingest fills current (see StatisticsKeeper). */
  private readonly statistics: StatisticsKeeper;

  constructor(
    @Inject(NODE_RUNTIME) private readonly runtime: NodeRuntime,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.statistics = new StatisticsKeeper(runtime.pool, {
      onError: (table, error) =>
        this.logger.warn({ table, err: error }, 'refreshing planner statistics failed; autovacuum will'),
      onAnalyzed: (table, rows, ms) =>
        this.logger.debug(
          { table, rows, ms: Math.round(ms) },
          'planner statistics refreshed after an ingest',
        ),
    });
  }

  onModuleInit(): void {
    const elector = this.runtime.election?.elector;
    if (!elector) return;
    elector.onElected(() => this.start(elector));
    elector.onDemoted(() => this.stop());
  }

  async onApplicationShutdown(): Promise<void> {
    this.stop();
    this.statistics.stop();
    await this.running;
  }

  /**
   * Asks for a scan now (a rescan event): the wait before the next scan ends at once, or, during
   * a scan, another one follows right after it.
   */
  requestRescan(): void {
    const leadership = this.leadership;
    if (!leadership) return;
    leadership.policy.requestNow();
    leadership.alarm.ring();
  }

  /** The last finished scan, for status and tests. */
  last(): ScanResult | undefined {
    return this.lastResult;
  }

  private start(elector: LeaderElector): void {
    this.stop();
    const policy = new NextScanPolicy(() => performance.now());
    const alarm = new WakeAlarm();
    const leadership: Leadership = {
      controller: new AbortController(),
      policy,
      alarm,
      changes: new StorageChanges({
        watcher: new FsStorageWatcher(),
        root: this.runtime.mountPoint,
        logger: this.logger,
        // No work per change beyond the policy's bookkeeping; the alarm only when it matters.
        onChange: () => {
          if (policy.changed()) alarm.ring();
        },
      }),
    };
    this.leadership = leadership;
    this.running = this.loop(elector, leadership).finally(() => {
      leadership.changes.close();
      if (this.leadership === leadership) this.leadership = undefined;
    });
  }

  private stop(): void {
    const leadership = this.leadership;
    this.leadership = undefined;
    leadership?.controller.abort(new Error('leadership ended'));
    leadership?.changes.close();
    this.runtime.scanProgress.current = undefined;
  }

  private async loop(elector: LeaderElector, leadership: Leadership): Promise<void> {
    const { policy, changes } = leadership;
    const signal = leadership.controller.signal;
    const clusterId = this.runtime.identity.clusterId;
    let reportedNoStorage = false;
    while (!signal.aborted) {
      // This round's scan answers every change and rescan request made until now.
      policy.scanStarted();
      let end: ScanEnd;
      let storageId: string | undefined;
      try {
        const storage = await storageOfCluster(this.runtime.pool, clusterId);
        storageId = storage?.id;
        if (!storage || !storageId) {
          if (!reportedNoStorage)
            this.logger.warn({ clusterId }, 'no storage is configured for this cluster; nothing to scan yet');
          reportedNoStorage = true;
          end = { waitMs: NO_STORAGE_RETRY_MS, failed: true };
        } else {
          reportedNoStorage = false;
          void changes.start(this.ignorePatternsOf(storage));
          if (!(await this.applyApprovals(elector, storageId))) return;
          end = { waitMs: await this.scanOnce(elector, storage, signal, changes) };
        }
      } catch (error) {
        if (error instanceof StaleTermError) {
          this.logger.warn({ reason: error.reason }, 'scan refused: this node no longer holds the term');
          return;
        }
        if (signal.aborted) return;
        this.logger.error({ err: error }, 'scan failed; retrying');
        end = { waitMs: FAILURE_RETRY_MS, failed: true };
      }
      policy.scanEnded(end);
      if (!(await this.idle(elector, storageId, leadership))) return;
    }
  }

  /**
   * Waits until the policy says the next scan starts (a change or a rescan request wakes the wait
   * at once to look again), applying the approvals of held removals that arrive meanwhile, every
   * 2 s. False when this node lost its term.
   */
  private async idle(
    elector: LeaderElector,
    storageId: string | undefined,
    { policy, alarm, controller: { signal } }: Leadership,
  ): Promise<boolean> {
    let approvalsAt = performance.now() + APPROVAL_POLL_MS;
    for (;;) {
      if (signal.aborted) return true;
      const now = performance.now();
      const left = policy.nextScanAt() - now;
      if (left <= 0) return true;
      await alarm.sleep(storageId ? Math.min(left, approvalsAt - now) : left, signal);
      if (signal.aborted || !storageId) continue;
      const after = performance.now();
      // Not yet their time, or the scan is due: it applies them first anyway.
      if (after < approvalsAt || after >= policy.nextScanAt()) continue;
      if (!(await this.applyApprovals(elector, storageId))) return false;
      approvalsAt = performance.now() + APPROVAL_POLL_MS;
    }
  }

  /**
   * Applies operators' approvals of held removals (fenced; the storage re-checked first). False when
   * this node lost its term; any other failure is logged and retried at the next round.
   */
  private async applyApprovals(elector: LeaderElector, storageId: string): Promise<boolean> {
    const fence = elector.fenceContext('scan');
    // Not leading any more: the demotion aborts the loop.
    if (!fence) return true;
    const approvals = new RemovalApprovals({
      pool: this.runtime.pool,
      scanner: this.scannerFor(storageId),
      storageProblem: () =>
        this.runtime.health.isHealthy('storage')
          ? null
          : (this.runtime.health.state('storage')?.lastError ?? 'no storage health check has passed yet'),
      logger: this.logger,
    });
    try {
      await approvals.applyOpen(fence);
      this.lastApprovalError = undefined;
      return true;
    } catch (error) {
      if (error instanceof StaleTermError) {
        this.logger.warn(
          { reason: error.reason },
          'approved removals refused: this node no longer holds the term',
        );
        return false;
      }
      const message = error instanceof Error ? error.message : String(error);
      const last = this.lastApprovalError;
      if (!last || last.message !== message || Date.now() - last.at >= APPROVAL_ERROR_LOG_MS) {
        this.logger.error({ err: error }, 'applying approved removals failed; retrying at the next round');
        this.lastApprovalError = { message, at: Date.now() };
      }
      return true;
    }
  }

  /** The scanner of the cluster's storage at this node's mount point, ingesting into the catalog. */
  private scannerFor(storageId: string, walker: StorageWalker = new ThreadStorageWalker()): Scanner {
    return new Scanner({
      pool: this.runtime.pool,
      walker,
      sentinel: new FileStorageSentinel(),
      sink: new CatalogScanSink({
        clusterId: this.runtime.identity.clusterId,
        storageId,
        producer: this.runtime.jobs.producer,
        algorithms: () => this.runtime.settings.current.values.checksum_algorithms ?? ['md5'],
        statistics: this.statistics,
      }),
      root: this.runtime.mountPoint,
      logger: this.logger,
    });
  }

  /** The storage's own ignore patterns, when set, replace the setting (SPEC 2.5). */
  private ignorePatternsOf(storage: ScannedStorage): readonly string[] {
    return storage.ignorePatterns ?? this.runtime.settings.current.values.ignore_patterns ?? [];
  }

  /**
   * One scan (or the rest of an interrupted one); returns how long to wait before the next. A
   * completed scan hands the folders it listed to the storage watch.
   */
  private async scanOnce(
    elector: LeaderElector,
    storage: ScannedStorage,
    signal: AbortSignal,
    changes: StorageChanges,
  ): Promise<number> {
    const storageId = storage.id;
    const fence = elector.fenceContext('scan');
    // Not leading any more: the demotion aborts this loop.
    if (!fence) return NO_STORAGE_RETRY_MS;
    const values = this.runtime.settings.current.values;
    const ignorePatterns = this.ignorePatternsOf(storage);
    const folders = changes.recorder();
    const scanner = this.scannerFor(storageId, new RecordingWalker(new ThreadStorageWalker(), folders));
    // Telemetry reports this run from its first batch on, never the last run's totals as if current.
    this.runtime.scanProgress.current = { found: 0, processed: 0, left: 0, ratePerSecond: 0 };
    const started = Date.now();
    const result = await scanner.runScan(fence, {
      concurrency: values.scanner_concurrency_value,
      // The storage's own overrides, when set, replace the settings (SPEC 2.5).
      scanDirectories: storage.scanDirectories,
      ignorePatterns,
      growingThresholdSeconds: storage.growingFilesThresholdSeconds ?? values.growing_files_threshold_seconds,
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
    if (result.state === 'completed') void changes.refresh(folders, ignorePatterns);
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
