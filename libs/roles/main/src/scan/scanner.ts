// The leader's scanner (SPEC 2.5): walks the storage, diffs each batch against the file index
// and commits the index, the checkpoint and the sink's ingest in one fenced transaction per
// batch. A run survives leader changes: its pending folders are in the database, and a new
// leader's runScan() continues it where the last committed batch left it.
import { randomUUID } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import { type FenceContext, type FenceOptions, withFence } from '@portico/cluster';
import {
  type DirectoryChunk,
  type DirectoryTask,
  type PathProbe,
  type ScanIssue,
  type StorageSentinel,
  type StorageWalker,
  subfolderTasks,
  type WalkSession,
} from '@portico/storage';

import { buildBatch, type DirState, listedFile, type ScanBatch, withoutFolders } from './scan-batch';
import { diffBatch, type DiffResult, diffInitial, type PathKey, pathOf } from './scan-diff';
import { ScanIndexRepository } from './scan-index.repository';
import { BatchPacer } from './scan-pace';
import {
  decideRemovals,
  estimateLeft,
  planSentinel,
  type ScanProgress,
  type ScanWarning,
} from './scan-policy';
import { type HeldRemoval, ScanRemovalsRepository } from './scan-removals.repository';
import { type RunRow, type RunTotals, ScanRunRepository } from './scan-run.repository';
import type { ScanChange, ScanSink } from './scan-sink';

export interface ScanLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}

export interface ScannerDeps {
  readonly pool: Pool;
  readonly walker: StorageWalker;
  readonly sentinel: StorageSentinel;
  readonly sink: ScanSink;
  /** This node's mount point of the cluster's storage. */
  readonly root: string;
  readonly logger?: ScanLogger;
  /** Bounds of each fenced transaction (keep them short: they hold the lease row's share lock). */
  readonly fence?: FenceOptions;
}

/** The scan settings (SPEC 2.3), read when a scan starts. */
export interface ScanSettings {
  /** scanner_concurrency_value */
  readonly concurrency: number;
  /** ignore_patterns */
  readonly ignorePatterns: readonly string[];
  /** The storage's scan directories; empty or absent: the whole storage. */
  readonly scanDirectories?: readonly string[];
  /** growing_files_threshold_seconds */
  readonly growingThresholdSeconds: number;
  /** max_deletions_per_scan */
  readonly maxDeletionsPerScan: number;
}

export interface RunScanOptions extends ScanSettings {
  /**
   * Entries per batch (one fenced transaction each) at most. Default 10,000. Batches are sized
   * below that so that each transaction takes about `commitBudgetMs`.
   */
  readonly batchEntries?: number;
  /**
   * How long one batch's transaction should take. Default 300 ms: it holds the lease row's share
   * lock, which the leader's renewal (every 300 ms, within a 1.5 s lease) waits for.
   */
  readonly commitBudgetMs?: number;
  /**
   * A folder with more entries is listed in several chunks. Default 1,000: a chunk is never split
   * between two batches, so it bounds the smallest batch.
   */
  readonly chunkEntries?: number;
  /** Stops the walk between two batches; the run stays resumable. */
  readonly signal?: AbortSignal;
  /** Called after each committed batch; the walk waits for a returned promise. */
  readonly onBatch?: (progress: ScanProgress) => void | Promise<void>;
}

export interface ScanResult {
  readonly runId: string;
  /** refused: the storage mounted is not this cluster's; interrupted: stopped, resumable. */
  readonly state: 'completed' | 'interrupted' | 'refused';
  readonly resumed: boolean;
  readonly totals: RunTotals;
  /** For telemetry and the API: held removals, a suspected mount loss, ... */
  readonly warnings: readonly ScanWarning[];
  /** The first issues of the run (all are in portico.scan_issues, up to 10,000). */
  readonly issues: readonly ScanIssue[];
  /** About when the next settling file becomes ready (ms from now), to rescan sooner; null if none. */
  readonly nextSettleInMs: number | null;
}

/** What an operator's approval applies to, and how it is recorded. */
export interface ApproveOptions {
  /** Only these paths; else every held removal (of runs up to `upToRun`, when given). */
  readonly paths?: readonly string[];
  /** Leave removals held by later runs (ids are strings: bigint) for another approval. */
  readonly upToRun?: string;
  /** For the audit of fenced writes, e.g. `approval <id>`. */
  readonly subject?: string;
  /** Runs inside each page's fenced transaction, with what the page did: the record commits with it. */
  readonly onPage?: (client: PoolClient, page: { removed: number; cancelled: number }) => Promise<void>;
}

/**
 * Held removals were not applied: the storage does not look mounted (sentinel missing, unreadable
 * or naming another storage). Nothing was written; approve again, or let the caller retry, once
 * the mount is back.
 */
export class RemovalsNotAppliedError extends Error {
  override readonly name = 'RemovalsNotAppliedError';
  constructor(
    /** What is wrong with the storage, e.g. "the storage at /mnt/nas does not look mounted (sentinel missing)". */
    readonly reason: string,
  ) {
    super(`removals not applied: ${reason}; remount it and approve again`);
  }
}

export interface ApprovalResult {
  /** Removed from the index (and handed to the sink when the catalogue knew them). */
  readonly removed: number;
  /** The file is back: its held removal was dropped. */
  readonly cancelled: number;
  /** Could not be checked (probe failed): still held. */
  readonly kept: number;
}

const DEFAULT_BATCH_ENTRIES = 10_000;
const DEFAULT_COMMIT_BUDGET_MS = 300;
const DEFAULT_CHUNK_ENTRIES = 1000;
/** Before a commit was timed: a size whose transaction stays short even with a catalogue ingest per file. */
const FIRST_BATCH_ENTRIES = 1000;
const FIRST_BATCH_CHANGES = 500;
const MIN_BATCH_ENTRIES = 100;
/** Folders handed to the walker at most; more stay pending in the database only. */
const MAX_QUEUED_FOLDERS = 10_000;
const REFILL_FOLDERS = 2000;
// Each of these statements runs inside a fenced transaction (1 s statement timeout, so the lease
// renewal is never held up): 1,000 rows keep them far below it even on a loaded database.
const REMOVALS_PER_TRANSACTION = 1000;
const VANISHED_FOLDERS_PER_STATEMENT = 500;
const ISSUES_IN_RESULT = 100;

export class Scanner {
  private readonly index = new ScanIndexRepository();
  private readonly runs = new ScanRunRepository();
  private readonly removals = new ScanRemovalsRepository();
  private current: MutableProgress | undefined;

  constructor(private readonly deps: ScannerDeps) {}

  /** The live progress of the scan this instance runs, if any. */
  progress(): ScanProgress | undefined {
    return this.current && snapshot(this.current);
  }

  /** The progress of the cluster's latest run as the database has it (from any node). */
  async readProgress(clusterId: string): Promise<(ScanProgress & { state: RunRow['state'] }) | null> {
    const run = await this.runs.latest(this.deps.pool, clusterId);
    if (!run) return null;
    const foldersLeft = run.state === 'running' ? await this.runs.countPending(this.deps.pool, run.id) : 0;
    const processed = run.totals.filesListed;
    const seconds = ((run.finishedAtMs ?? Date.now()) - run.startedAtMs) / 1000;
    return {
      runId: run.id,
      state: run.state,
      phase: run.state === 'running' ? 'walking' : 'done',
      found: processed,
      processed,
      left: run.state === 'running' ? estimateLeft(run.indexFilesAtStart, run.initial, processed) : 0,
      foldersLeft,
      ratePerSecond: seconds > 0 ? processed / seconds : 0,
    };
  }

  /**
   * Runs (or resumes) the cluster's scan under `fence`'s term. Rejects with StaleTermError when
   * the term is no longer current: nothing of the refused batch was written.
   */
  async runScan(fence: FenceContext, options: RunScanOptions): Promise<ScanResult> {
    const { pool, root } = this.deps;
    const clusterId = fence.clusterId;
    const [known, anyFile, lastListed, reading] = await Promise.all([
      this.runs.storageId(pool, clusterId),
      this.index.hasFiles(pool, clusterId),
      this.runs.lastListedFiles(pool, clusterId),
      this.deps.sentinel.read(root),
    ]);
    // Counting a million rows costs more than it tells: the last run's count estimates the index.
    const indexFiles = anyFile ? Math.max(1, lastListed ?? 1) : 0;
    const plan = planSentinel({ reading, known, indexFiles, root, newId: randomUUID() });
    const warnings: ScanWarning[] = [];
    if (plan.action === 'refuse') return this.refuse(fence, indexFiles, plan.warning);

    let mounted = plan.action !== 'no-removals';
    if (plan.action === 'no-removals') warnings.push(plan.warning);
    if (plan.action === 'create') {
      try {
        await this.deps.sentinel.create(root, plan.storageId);
      } catch (error) {
        mounted = false;
        warnings.push({ kind: 'sentinel-not-written', message: messageOf(error) });
      }
    }
    const storageId = plan.action === 'no-removals' ? known : plan.storageId;

    const opened = await this.fenced(fence, 'scan-start', async (client) => {
      if (storageId && plan.action !== 'no-removals' && plan.record)
        await this.runs.recordStorage(client, clusterId, storageId);
      const running = await this.runs.running(client, clusterId);
      if (running) {
        await this.runs.claim(client, running.id, fence.term);
        await this.runs.addWarnings(client, running.id, warnings);
        return { run: running, resumed: true };
      }
      const id = await this.runs.create(client, {
        clusterId,
        term: fence.term,
        initial: indexFiles === 0,
        indexFiles,
        state: 'running',
        warnings,
      });
      return { run: await this.runs.byId(client, id), resumed: false };
    });
    const { run, resumed } = opened;
    const cancelRemovals = resumed || (await this.removals.hasHeld(pool, clusterId));
    this.deps.logger?.info(
      { runId: run.id, resumed, initial: run.initial, indexFiles, term: fence.term },
      resumed ? 'scan resumed' : 'scan started',
    );

    const progress: MutableProgress = {
      runId: run.id,
      phase: 'walking',
      found: 0,
      processed: 0,
      committedBefore: resumed ? run.totals.filesListed : 0,
      indexFilesAtStart: run.indexFilesAtStart,
      initial: run.initial,
      foldersLeft: resumed ? await this.runs.countPending(pool, run.id) : 1,
      startedAt: performance.now(),
    };
    this.current = progress;
    const walk = new RunWalk(
      { deps: this.deps, index: this.index, runs: this.runs, fenced: (...args) => this.fenced(...args) },
      fence,
      run,
      options,
      progress,
      !resumed && run.initial,
      cancelRemovals,
    );
    try {
      const finished = await walk.walk();
      if (!finished) {
        this.deps.logger?.info({ runId: run.id, processed: progress.processed }, 'scan interrupted');
        return await this.result(run.id, 'interrupted', resumed, walk.nextSettleInMs());
      }
      progress.phase = 'finishing';
      await this.finish(fence, run, options, mounted, storageId);
      progress.phase = 'done';
      const result = await this.result(run.id, 'completed', resumed, walk.nextSettleInMs());
      this.deps.logger?.info(
        { runId: run.id, totals: result.totals, warnings: result.warnings },
        'scan completed',
      );
      return result;
    } finally {
      if (this.current === progress) this.current = undefined;
    }
  }

  /** Held removals, in path order after `after` (keyset paging). */
  async listPendingRemovals(
    clusterId: string,
    options: { after?: string; limit?: number } = {},
  ): Promise<Array<HeldRemoval & { path: string }>> {
    const after = options.after === undefined ? null : splitPath(options.after);
    const held = await this.removals.listHeld(this.deps.pool, clusterId, after, options.limit ?? 1000);
    return held.map((removal) => ({ ...removal, path: pathOf(removal) }));
  }

  async countPendingRemovals(clusterId: string): Promise<number> {
    return this.removals.countHeld(this.deps.pool, clusterId);
  }

  /**
   * An operator approves held removals (all of them, or `paths`). Each file is checked first: one
   * that is back is not removed (its held removal is dropped). Refused while the storage does not
   * look mounted. Fenced: only the leader applies them.
   */
  async approveRemovals(fence: FenceContext, options: ApproveOptions = {}): Promise<ApprovalResult> {
    const { pool, root } = this.deps;
    const clusterId = fence.clusterId;
    const [known, reading] = await Promise.all([
      this.runs.storageId(pool, clusterId),
      this.deps.sentinel.read(root),
    ]);
    if (reading.state !== 'present' || known === null || reading.storageId !== known) {
      throw new RemovalsNotAppliedError(
        `the storage at ${root} does not look mounted (sentinel ` +
          `${reading.state === 'present' ? `names storage ${reading.storageId}` : reading.state})`,
      );
    }
    const totals = { removed: 0, cancelled: 0, kept: 0 };
    const pages: AsyncIterable<PathKey[]> | Iterable<PathKey[]> = options.paths
      ? chunksOf(options.paths.map(splitPath), REMOVALS_PER_TRANSACTION)
      : this.heldPages(clusterId, options.upToRun ?? null);
    for await (const keys of pages) {
      const probes = await this.deps.walker.probe(root, keys.map(pathOf));
      const back = keys.filter((_, index) => probes[index]!.state === 'present');
      const gone = keys.filter((_, index) => probes[index]!.state === 'missing');
      totals.kept += keys.length - back.length - gone.length;
      const page = await this.fenced(
        fence,
        'scan-approve-removals',
        async (client) => {
          const cancelled = await this.removals.cancelHeld(client, clusterId, back);
          const rows = await this.removals.applyHeld(client, clusterId, gone);
          const changes = rows
            .filter((row) => row.handedOff)
            .map((row): ScanChange => ({ kind: 'remove', path: pathOf(row) }));
          if (changes.length > 0) await this.deps.sink.apply(client, changes);
          const done = { removed: rows.length, cancelled };
          await options.onPage?.(client, done);
          return done;
        },
        options.subject,
      );
      totals.removed += page.removed;
      totals.cancelled += page.cancelled;
    }
    this.deps.logger?.info({ clusterId, ...totals }, 'held removals approved');
    return totals;
  }

  private fenced<T>(
    fence: FenceContext,
    action: string,
    write: (client: PoolClient) => Promise<T>,
    subject?: string,
  ): Promise<T> {
    return withFence(
      this.deps.pool,
      { ...fence, action, subject: subject ?? fence.subject ?? null },
      write,
      this.deps.fence,
    );
  }

  private async *heldPages(clusterId: string, upToRun: string | null): AsyncGenerator<PathKey[]> {
    let after: PathKey | null = null;
    for (;;) {
      const page: HeldRemoval[] = await this.removals.listHeld(
        this.deps.pool,
        clusterId,
        after,
        REMOVALS_PER_TRANSACTION,
        upToRun,
      );
      if (page.length === 0) return;
      yield page.map((removal) => ({ dir: removal.dir, name: removal.name }));
      after = page[page.length - 1]!;
    }
  }

  /** The storage mounted is another one: the refusal is recorded as a failed run, nothing else. */
  private async refuse(fence: FenceContext, indexFiles: number, warning: ScanWarning): Promise<ScanResult> {
    this.deps.logger?.warn({ warning }, 'scan refused');
    const runId = await this.fenced(fence, 'scan-refused', async (client) => {
      if (await this.runs.running(client, fence.clusterId)) return null;
      return this.runs.create(client, {
        clusterId: fence.clusterId,
        term: fence.term,
        initial: indexFiles === 0,
        indexFiles,
        state: 'failed',
        warnings: [warning],
      });
    });
    const run = runId
      ? await this.runs.byId(this.deps.pool, runId)
      : await this.runs.running(this.deps.pool, fence.clusterId);
    return {
      runId: run!.id,
      state: 'refused',
      resumed: false,
      totals: run!.totals,
      warnings: [warning],
      issues: [],
      nextSettleInMs: null,
    };
  }

  /**
   * After a complete walk: the rows of folders that vanished become candidates, then the
   * candidates are applied, held for an operator, or discarded, and the run completes.
   */
  private async finish(
    fence: FenceContext,
    run: RunRow,
    options: RunScanOptions,
    mountedAtStart: boolean,
    storageId: string | null,
  ): Promise<void> {
    const { pool, root } = this.deps;
    const clusterId = fence.clusterId;
    const subject = `run ${run.id}`;
    const rootState = await this.runs.folderState(pool, run.id, '');
    const rootFailed = rootState === 'failed' || rootState === 'gone';
    const vanished = rootFailed ? [] : await this.index.vanishedFolders(pool, clusterId, run.id);
    for (let start = 0; start < vanished.length; start += VANISHED_FOLDERS_PER_STATEMENT) {
      const group = vanished.slice(start, start + VANISHED_FOLDERS_PER_STATEMENT);
      for (;;) {
        const added = await this.fenced(
          fence,
          'scan-vanished',
          (client) =>
            this.index.addFolderCandidates(client, clusterId, run.id, group, REMOVALS_PER_TRANSACTION),
          subject,
        );
        if (added < REMOVALS_PER_TRANSACTION) break;
      }
    }

    const warnings: ScanWarning[] = [];
    const reading = await this.deps.sentinel.read(root);
    const mountedAtEnd = reading.state === 'present' && reading.storageId === storageId;
    if (mountedAtStart && !mountedAtEnd) {
      warnings.push({
        kind: 'mount-suspect',
        message:
          `the storage sentinel ${root}/.portico/storage-id ${reading.state === 'present' ? 'changed' : `became ${reading.state}`} ` +
          'during the scan: no file is taken for removed. Check the mount.',
      });
    }
    const candidates = await this.removals.countCandidates(pool, run.id);
    const decision = decideRemovals({
      candidates,
      maxDeletions: options.maxDeletionsPerScan,
      mounted: mountedAtStart && mountedAtEnd,
      rootFailed,
    });
    let removed = 0;
    let held = 0;
    switch (decision.action) {
      case 'apply':
        for (;;) {
          const batch = await this.fenced(
            fence,
            'scan-remove',
            async (client) => {
              const applied = await this.removals.applyCandidates(
                client,
                clusterId,
                run.id,
                REMOVALS_PER_TRANSACTION,
              );
              const changes = applied.removed
                .filter((row) => row.handedOff)
                .map((row): ScanChange => ({ kind: 'remove', path: pathOf(row) }));
              if (changes.length > 0) await this.deps.sink.apply(client, changes);
              return applied;
            },
            subject,
          );
          removed += batch.removed.length;
          if (batch.picked < REMOVALS_PER_TRANSACTION) break;
        }
        break;
      case 'hold':
        held = await this.fenced(
          fence,
          'scan-hold-removals',
          (client) => this.removals.holdCandidates(client, run.id),
          subject,
        );
        warnings.push(decision.warning);
        break;
      case 'discard':
        await this.fenced(
          fence,
          'scan-discard-removals',
          (client) => this.removals.discardCandidates(client, run.id),
          subject,
        );
        if (decision.warning) warnings.push(decision.warning);
        break;
    }
    for (const warning of warnings) this.deps.logger?.warn({ runId: run.id, warning }, warning.message);
    await this.fenced(
      fence,
      'scan-finish',
      async (client) => {
        await this.index.forgetEmptyFolders(client, clusterId, vanished);
        await this.runs.finish(client, run.id, { state: 'completed', removed, held, warnings });
      },
      subject,
    );
  }

  private async result(
    runId: string,
    state: ScanResult['state'],
    resumed: boolean,
    nextSettleInMs: number | null,
  ): Promise<ScanResult> {
    const [run, issues] = await Promise.all([
      this.runs.byId(this.deps.pool, runId),
      this.runs.issues(this.deps.pool, runId, ISSUES_IN_RESULT),
    ]);
    return { runId, state, resumed, totals: run.totals, warnings: run.warnings, issues, nextSettleInMs };
  }
}

interface MutableProgress {
  runId: string;
  phase: ScanProgress['phase'];
  found: number;
  processed: number;
  /** Files the run had committed before this instance took it over. */
  committedBefore: number;
  indexFilesAtStart: number;
  initial: boolean;
  foldersLeft: number;
  startedAt: number;
}

function snapshot(progress: MutableProgress): ScanProgress {
  const seconds = (performance.now() - progress.startedAt) / 1000;
  const processed = progress.committedBefore + progress.processed;
  return {
    runId: progress.runId,
    phase: progress.phase,
    found: progress.committedBefore + progress.found,
    processed,
    left: estimateLeft(progress.indexFilesAtStart, progress.initial, processed),
    foldersLeft: progress.foldersLeft,
    ratePerSecond: seconds > 0 ? progress.processed / seconds : 0,
  };
}

interface Prepared {
  readonly chunks: readonly DirectoryChunk[];
  readonly batch: ScanBatch;
  readonly diff: DiffResult;
  readonly unchanged: ReadonlySet<string>;
  readonly finished: ReadonlyArray<{ path: string; state: DirState }>;
  readonly children: ScanBatch['children'];
}

interface WalkContext {
  readonly deps: ScannerDeps;
  readonly index: ScanIndexRepository;
  readonly runs: ScanRunRepository;
  readonly fenced: <T>(
    fence: FenceContext,
    action: string,
    write: (client: PoolClient) => Promise<T>,
    subject?: string,
  ) => Promise<T>;
}

/** One walk of one run by this instance: the frontier, the batches. */
class RunWalk {
  // The frontier. Sub-folders go to the walker the moment their parent's chunk arrives, while
  // its queue has room; past that ("spilling") they are only in the database (pending rows of
  // the checkpoint) and refill() fetches them in id order after `cursor`. Every pending row with
  // an id up to `cursor` is known to the walker. Rows are inserted in chunk order, and a chunk
  // is queued only when no earlier chunk waits to be committed unqueued, so the rows of queued
  // sub-folders always precede those of spilled ones.
  private cursor = 0n;
  private spilling = true;
  /** Chunks whose sub-folders were not queued, not yet committed. */
  private unqueuedInFlight = 0;
  private readonly queuedChunks = new WeakSet<DirectoryChunk>();
  private session: WalkSession | undefined;
  private earliestSettlingMs: number | null = null;
  /** The database clock at the last read, and when it was read here (for the initial path). */
  private clock = { dbMs: 0, localMs: 0 };
  private readonly pacer: BatchPacer;

  constructor(
    private readonly context: WalkContext,
    private readonly fence: FenceContext,
    private readonly run: RunRow,
    private readonly options: RunScanOptions,
    private readonly progress: MutableProgress,
    /** A fresh run over an empty index: every file is new, no diff reads. */
    private readonly initial: boolean,
    private readonly cancelRemovals: boolean,
  ) {
    const maxEntries = options.batchEntries ?? DEFAULT_BATCH_ENTRIES;
    this.pacer = new BatchPacer({
      budgetMs: options.commitBudgetMs ?? DEFAULT_COMMIT_BUDGET_MS,
      firstEntries: Math.min(FIRST_BATCH_ENTRIES, maxEntries),
      minEntries: Math.min(MIN_BATCH_ENTRIES, maxEntries),
      maxEntries,
      firstChanges: FIRST_BATCH_CHANGES,
    });
  }

  /** True when the walk completed; false when it was stopped. */
  async walk(): Promise<boolean> {
    const { walker, root, pool } = this.context.deps;
    this.clock = { dbMs: await this.context.runs.databaseNow(pool), localMs: performance.now() };
    const session = await walker.open(
      {
        root,
        concurrency: this.options.concurrency,
        ignorePatterns: this.options.ignorePatterns,
        scanDirectories: this.options.scanDirectories ?? [],
        chunkEntries: this.options.chunkEntries ?? DEFAULT_CHUNK_ENTRIES,
      },
      (chunk) => this.descend(chunk),
    );
    this.session = session;
    // Batches commit one after the other, in walk order. On a first scan (no index reads) the
    // next batch is prepared while the previous one commits.
    let inFlight: Promise<void> = Promise.resolve();
    let failure: { error: unknown } | undefined;
    const drain = async (): Promise<void> => {
      await inFlight;
      if (failure) throw failure.error;
    };
    // Parts of a batch that had more changes than one transaction may carry, to commit in order.
    const split: DirectoryChunk[][] = [];
    try {
      await this.refill();
      for (;;) {
        if (this.options.signal?.aborted) {
          await drain();
          return false;
        }
        const entries = this.pacer.entries;
        const chunks = split.shift() ?? (await session.next(entries, Math.ceil(entries / 2)));
        if (!chunks) {
          await drain();
          if (this.spilling && (await this.refill())) continue;
          return true;
        }
        if (!this.initial) await drain(); // the diff reads what the previous batch wrote
        const prepared = await this.prepare(chunks);
        if (chunks.length > 1 && prepared.diff.changes.length > this.pacer.changeLimit) {
          // Each half is diffed again once the part before it is committed; this diff is dropped.
          const half = Math.ceil(chunks.length / 2);
          split.unshift(chunks.slice(0, half), chunks.slice(half));
          continue;
        }
        this.progress.found += prepared.batch.names.length;
        await drain();
        if (this.options.signal?.aborted) return false;
        if (this.spilling && session.queued < REFILL_FOLDERS / 2) await this.refill();
        inFlight = this.commit(prepared).catch((error: unknown) => {
          failure = { error };
        });
      }
    } finally {
      await inFlight;
      await session.close();
    }
  }

  nextSettleInMs(): number | null {
    if (this.earliestSettlingMs === null) return null;
    const now = this.clock.dbMs + (performance.now() - this.clock.localMs);
    return Math.max(0, this.earliestSettlingMs + this.options.growingThresholdSeconds * 1000 - now);
  }

  private descend(chunk: DirectoryChunk): readonly DirectoryTask[] | null {
    if (!this.spilling && this.session!.queued + chunk.subdirs.length <= MAX_QUEUED_FOLDERS) {
      this.queuedChunks.add(chunk);
      return subfolderTasks(chunk);
    }
    this.spilling = true;
    this.unqueuedInFlight += 1;
    return null;
  }

  /** Hands the next pending folders (by id, after the cursor) to the walker. */
  private async refill(): Promise<boolean> {
    const { pool } = this.context.deps;
    const rows = await this.context.runs.pendingFolders(
      pool,
      this.run.id,
      String(this.cursor),
      REFILL_FOLDERS,
    );
    if (rows.length > 0) {
      this.session!.add(rows.map((row): DirectoryTask => ({ path: row.path })));
      this.cursor = BigInt(rows[rows.length - 1]!.id);
    }
    // Caught up: nothing pending beyond the cursor, and no spilled chunk still to be committed.
    if (rows.length < REFILL_FOLDERS && this.unqueuedInFlight === 0) this.spilling = false;
    return rows.length > 0;
  }

  /** Shapes and diffs a batch (reading the index unless it is a first scan). */
  private async prepare(chunks: readonly DirectoryChunk[]): Promise<Prepared> {
    const batch = buildBatch(chunks);
    const { diff, unchanged } = await this.diff(batch);
    if (
      diff.earliestSettlingMs !== null &&
      (this.earliestSettlingMs === null || diff.earliestSettlingMs < this.earliestSettlingMs)
    )
      this.earliestSettlingMs = diff.earliestSettlingMs;
    // One state per folder (a folder listed twice in a batch, on a resume, keeps its last).
    const finished = [...new Map(batch.finished.map((dir) => [dir.path, dir.state])).entries()].map(
      ([path, state]) => ({ path, state }),
    );
    const finishedPaths = new Set(finished.map((dir) => dir.path));
    const children = batch.children.filter((child) => !finishedPaths.has(child.path));
    return { chunks, batch, diff, unchanged, finished, children };
  }

  /** Commits a prepared batch in one fenced transaction: index, checkpoint, sink. */
  private async commit(prepared: Prepared): Promise<void> {
    const { sink } = this.context.deps;
    const { index, runs } = this.context;
    const clusterId = this.fence.clusterId;
    const { chunks, batch, diff, unchanged, finished, children } = prepared;
    const foldersFailed = finished.filter((dir) => dir.state === 'failed').length;
    const started = performance.now();
    const queued = await this.context.fenced(
      this.fence,
      'scan-batch',
      async (client) => {
        await index.applyDiff(client, clusterId, this.run.id, batch, diff, {
          cancelRemovalsOfPresentFiles: this.cancelRemovals,
          unchangedFolders: unchanged,
        });
        const rows = await runs.checkpoint(client, this.run.id, {
          finished,
          children: children.map((child) => child.path),
          issues: batch.issues,
          counters: {
            filesListed: batch.names.length,
            filesNew: diff.counts.new,
            filesModified: diff.counts.modified,
            filesMoved: diff.counts.moved,
            filesReady: diff.counts.ready,
            entriesIgnored: batch.ignored,
            foldersDone: finished.length,
            foldersFailed,
          },
        });
        if (diff.changes.length > 0) await sink.apply(client, diff.changes);
        return rows;
      },
      `run ${this.run.id}`,
    );
    this.pacer.record(entriesOf(chunks), diff.changes.length, performance.now() - started);
    this.progress.processed += batch.names.length;
    const listedAtOnce = batch.children.length - children.length; // finished in the batch that found them
    this.progress.foldersLeft = Math.max(
      0,
      this.progress.foldersLeft + queued.length + listedAtOnce - finished.length,
    );
    this.advance(chunks, queued);
    await this.options.onBatch?.(snapshot(this.progress));
  }

  /** After a commit: the cursor passes the rows of sub-folders the walker already has. */
  private advance(
    chunks: readonly DirectoryChunk[],
    inserted: ReadonlyArray<{ id: string; path: string }>,
  ): void {
    const known = new Set<string>();
    for (const chunk of chunks) {
      if (chunk.subdirs.length === 0) continue;
      if (this.queuedChunks.has(chunk)) for (const task of subfolderTasks(chunk)) known.add(task.path);
      else this.unqueuedInFlight -= 1;
    }
    for (const row of inserted) {
      const id = BigInt(row.id);
      if (known.has(row.path) && id > this.cursor) this.cursor = id;
    }
  }

  /** The batch's diff, and the folders found unchanged by their fingerprint (not diffed). */
  private async diff(batch: ScanBatch): Promise<{ diff: DiffResult; unchanged: ReadonlySet<string> }> {
    const settleMs = this.options.growingThresholdSeconds * 1000;
    if (this.initial) {
      const nowMs = this.clock.dbMs + (performance.now() - this.clock.localMs);
      return { diff: diffInitial(batch, nowMs, settleMs), unchanged: new Set() };
    }
    const { pool, walker, root } = this.context.deps;
    const { index } = this.context;
    const unchanged = await index.unchangedFolders(pool, this.fence.clusterId, batch);
    const rest = unchanged.size > 0 ? withoutFolders(batch, unchanged) : batch;
    if (rest.dirs.length === 0) {
      const nothing = diffBatch({
        pairs: [],
        moveSources: [],
        probes: new Map(),
        nowMs: this.clock.dbMs,
        settleMs,
      });
      return { diff: nothing, unchanged };
    }
    const read = await index.readDiff(pool, this.fence.clusterId, rest);
    if (read.nowMs !== null) this.clock = { dbMs: read.nowMs, localMs: performance.now() };
    const probes = new Map<string, PathProbe>();
    if (read.moveSources.length > 0) {
      const paths = [...new Set(read.moveSources.map(pathOf))];
      const found = await walker.probe(root, paths);
      paths.forEach((path, position) => probes.set(path, found[position]!));
    }
    const diff = diffBatch({
      pairs: read.pairs.map((pair) => ({
        file: pair.index === null ? undefined : listedFile(rest, pair.index),
        row: pair.row ?? undefined,
      })),
      moveSources: read.moveSources,
      probes,
      nowMs: read.nowMs ?? this.clock.dbMs,
      settleMs,
    });
    return { diff, unchanged };
  }
}

/** Walk entries (files and sub-folders) of chunks, the unit the walker's batches are taken in. */
function entriesOf(chunks: readonly DirectoryChunk[]): number {
  let entries = 0;
  for (const chunk of chunks) entries += chunk.files.names.length + chunk.subdirs.length;
  return entries;
}

function splitPath(path: string): PathKey {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? { dir: '', name: path } : { dir: path.slice(0, slash), name: path.slice(slash + 1) };
}

function* chunksOf<T>(items: readonly T[], size: number): Generator<T[]> {
  for (let start = 0; start < items.length; start += size) yield items.slice(start, start + size);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
