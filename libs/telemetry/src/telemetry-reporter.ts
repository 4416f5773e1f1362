import {
  ControlPlaneError,
  TelemetryReport,
  type HealthResult,
  type JobCounts,
  type NodeStatus,
  type QueueCounts,
  type TelemetryAck,
} from '@portico/control-plane-client';
import type { Role } from '@portico/settings';
import type { z } from 'zod';
import { backoffDelay } from './backoff';
import type { HostInfoProvider, StorageStatsRecord, TelemetryLogger, TelemetrySink } from './ports';
import { beforeDeadline } from './deadline';

/** Who is reporting; fixed for the life of the process. */
export interface TelemetryIdentity {
  nodeId: string;
  workerId: string;
  app: string;
  version: string;
  roles: readonly Role[];
}

/** Where the parts of a report come from. Each is read once per report. */
export interface TelemetryProviders {
  host: HostInfoProvider;
  /** The node's own view of its status (e.g. Error while a fatal condition lasts). Default Active. */
  status?: () => { status: NodeStatus; reason?: string | null };
  leader: () => { isLeader: boolean; term: number | null };
  /** The health monitor's snapshot. */
  health: () => Record<string, z.infer<typeof HealthResult>>;
  /** Per-role job counts; may query the database, so it is bounded by `providerTimeoutMs`. */
  jobs: () => Record<string, z.infer<typeof JobCounts>> | Promise<Record<string, z.infer<typeof JobCounts>>>;
  /** The cluster's queue depths as last polled (no query of its own). */
  queues?: () => Record<string, z.infer<typeof QueueCounts>> | undefined;
  /** Storage statistics; resolve undefined unless this node is the leader. Bounded like `jobs`. */
  storage?: () => Promise<StorageStatsRecord | undefined>;
  /** Node wall clock minus database clock in ms, when measured. */
  clockSkewMs?: () => number | null | undefined;
}

export interface TelemetryReporterOptions {
  /** Default 5. */
  intervalSeconds?: number;
  /** Upper bound of the retry delay while the control plane fails. Default 30 000 ms. */
  backoffCapMs?: number;
  /** Bound on each async provider (jobs, storage). Default 2000 ms. */
  providerTimeoutMs?: number;
  /** Bound on the final Stopped report at stop(). Default 2000 ms. */
  stopTimeoutMs?: number;
  now?: () => Date;
  random?: () => number;
  logger?: TelemetryLogger;
}

export interface TelemetryReporterState {
  /** What this node currently considers its status (Warning while the control plane fails). */
  status: NodeStatus;
  reason: string | null;
  /** Start of the current run of failed reports; undefined while reports succeed. */
  failingSince: Date | undefined;
  consecutiveFailures: number;
  lastError: string | undefined;
  lastSentAt: Date | undefined;
  lastAck: TelemetryAck | undefined;
  /** When the next report is due, while running. */
  nextReportAt: Date | undefined;
}

export type AckListener = (ack: TelemetryAck) => void;

export const DEFAULT_TELEMETRY_INTERVAL_SECONDS = 5;

/**
 * Sends a telemetry report every `intervalSeconds` (SPEC 2.7). When the control plane fails, it
 * retries with exponential backoff and jitter (capped), and the node's own status turns Warning
 * ("control plane unreachable since …") until a report gets through. Reports are snapshots, so
 * a failed one is replaced by a fresh one, never queued: memory stays constant however long the
 * outage. Nothing here throws into the caller's loop or crashes the process.
 */
export class TelemetryReporter {
  private readonly intervalSeconds: number;
  private readonly backoffCapMs: number;
  private readonly providerTimeoutMs: number;
  private readonly stopTimeoutMs: number;
  private readonly now: () => Date;
  private readonly random: () => number;
  private readonly logger: TelemetryLogger | undefined;
  private readonly listeners = new Set<AckListener>();
  private running = false;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<boolean> | undefined;
  private failingSince: Date | undefined;
  private failureKind: 'unreachable' | 'rejected' = 'unreachable';
  private consecutiveFailures = 0;
  private lastError: string | undefined;
  private lastSentAt: Date | undefined;
  private ack: TelemetryAck | undefined;
  private nextReportAt: Date | undefined;

  constructor(
    private readonly sink: TelemetrySink,
    private readonly identity: TelemetryIdentity,
    private readonly providers: TelemetryProviders,
    options: TelemetryReporterOptions = {},
  ) {
    this.intervalSeconds = options.intervalSeconds ?? DEFAULT_TELEMETRY_INTERVAL_SECONDS;
    if (!(this.intervalSeconds > 0)) throw new RangeError('telemetry: intervalSeconds must be > 0');
    this.backoffCapMs = options.backoffCapMs ?? 30_000;
    this.providerTimeoutMs = options.providerTimeoutMs ?? 2000;
    this.stopTimeoutMs = options.stopTimeoutMs ?? 2000;
    this.now = options.now ?? (() => new Date());
    this.random = options.random ?? Math.random;
    this.logger = options.logger;
  }

  /** Sends the first report at once, then every interval. The timer does not keep the process alive. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule(0);
  }

  /**
   * Stops reporting and sends a last report with status Stopped, best effort: it gives up after
   * `stopTimeoutMs` (default 2 s) so a dead control plane never delays a shutdown. Never rejects.
   */
  async stop(): Promise<void> {
    const wasRunning = this.running;
    this.running = false;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.nextReportAt = undefined;
    if (!wasRunning) return;
    const deadline = Date.now() + this.stopTimeoutMs;
    await beforeDeadline(this.inFlight ?? Promise.resolve(true), deadline);
    const remaining = deadline - Date.now();
    if (remaining <= 0) return;
    const sent = await beforeDeadline(this.send({ status: 'Stopped', reason: 'shutting down' }), deadline);
    if (sent === undefined)
      this.logger?.warn({}, 'final telemetry report (Stopped) not sent in time; shutting down anyway');
  }

  /** Builds and sends one report now (joins one already under way). Resolves whether it got through. */
  reportOnce(): Promise<boolean> {
    this.inFlight ??= this.send().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  /** The node's status as it reports it: the provider's, or Warning while the control plane fails. */
  status(): { status: NodeStatus; reason: string | null } {
    const own = this.providers.status?.() ?? { status: 'Active' as const };
    if (this.failingSince && own.status !== 'Error' && own.status !== 'Stopped') {
      const what =
        this.failureKind === 'rejected' ? 'control plane rejects telemetry' : 'control plane unreachable';
      return {
        status: 'Warning',
        reason: `${what} since ${this.failingSince.toISOString()}${this.lastError ? `: ${this.lastError}` : ''}`,
      };
    }
    return { status: own.status, reason: own.reason ?? null };
  }

  state(): TelemetryReporterState {
    const { status, reason } = this.status();
    return {
      status,
      reason,
      failingSince: this.failingSince,
      consecutiveFailures: this.consecutiveFailures,
      lastError: this.lastError,
      lastSentAt: this.lastSentAt,
      lastAck: this.ack,
      nextReportAt: this.nextReportAt,
    };
  }

  /** The control plane's latest answer (it may record Warning, e.g. for a duplicate worker id). */
  lastAck(): TelemetryAck | undefined {
    return this.ack;
  }

  /** Called with every ack. Returns an unsubscribe function. */
  onAck(listener: AckListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The report as it would be sent now; validated against the contract. */
  async buildReport(override?: { status: NodeStatus; reason: string | null }): Promise<TelemetryReport> {
    const { status, reason } = override ?? this.status();
    const [jobs, storage] = await Promise.all([
      this.bounded('job counts', async () => this.providers.jobs(), {}),
      this.providers.storage
        ? this.bounded('storage statistics', this.providers.storage, undefined)
        : undefined,
    ]);
    const clockSkewMs = this.providers.clockSkewMs?.();
    const queues = this.providers.queues?.();
    return TelemetryReport.parse({
      nodeId: this.identity.nodeId,
      workerId: this.identity.workerId,
      app: this.identity.app,
      version: this.identity.version,
      status,
      statusReason: reason,
      roles: [...this.identity.roles],
      leader: this.providers.leader(),
      host: this.providers.host.read(),
      health: this.providers.health(),
      jobs,
      ...(queues ? { queues } : {}),
      ...(storage ? { storage } : {}),
      ...(clockSkewMs === undefined ? {} : { clockSkewMs }),
      intervalSeconds: this.intervalSeconds,
      sentAt: this.now().toISOString(),
    });
  }

  private schedule(delayMs: number): void {
    if (!this.running) return;
    clearTimeout(this.timer);
    this.nextReportAt = new Date(this.now().getTime() + delayMs);
    this.timer = setTimeout(() => void this.tick(), delayMs);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    const ok = await this.reportOnce();
    this.schedule(
      ok
        ? this.intervalSeconds * 1000
        : backoffDelay(
            this.consecutiveFailures,
            { baseMs: this.intervalSeconds * 1000, capMs: this.backoffCapMs },
            this.random,
          ),
    );
  }

  private async send(override?: { status: NodeStatus; reason: string | null }): Promise<boolean> {
    let report: TelemetryReport;
    try {
      report = await this.buildReport(override);
    } catch (error) {
      // A provider bug, not a control-plane failure: say so, and do not turn the node Warning.
      this.logger?.error({ error: messageOf(error) }, 'telemetry report could not be built; skipping it');
      return true;
    }
    let ack: TelemetryAck;
    try {
      ack = await this.sink.sendTelemetry(report);
    } catch (error) {
      this.recordFailure(error);
      return false;
    }
    this.recordSuccess(ack);
    return true;
  }

  private recordFailure(error: unknown): void {
    this.consecutiveFailures += 1;
    this.lastError = messageOf(error);
    this.failureKind = error instanceof ControlPlaneError ? 'rejected' : 'unreachable';
    if (!this.failingSince) {
      this.failingSince = this.now();
      this.logger?.warn(
        { error: this.lastError },
        'telemetry: control plane failed; node status is Warning, retrying with backoff',
      );
    } else {
      this.logger?.debug?.(
        { error: this.lastError, failures: this.consecutiveFailures },
        'telemetry still failing',
      );
    }
  }

  private recordSuccess(ack: TelemetryAck): void {
    const now = this.now();
    if (this.failingSince) {
      this.logger?.info(
        { failingSince: this.failingSince.toISOString(), failures: this.consecutiveFailures },
        'telemetry: control plane reachable again',
      );
    }
    const previous = this.ack;
    if (
      ack.status === 'Warning' &&
      (previous?.status !== 'Warning' || previous.statusReason !== ack.statusReason)
    ) {
      this.logger?.warn({ reason: ack.statusReason }, 'control plane records this node as Warning');
    }
    this.failingSince = undefined;
    this.consecutiveFailures = 0;
    this.lastError = undefined;
    this.lastSentAt = now;
    this.ack = ack;
    for (const listener of this.listeners) {
      try {
        listener(ack);
      } catch (error) {
        this.logger?.warn({ error: messageOf(error) }, 'a telemetry ack listener failed');
      }
    }
  }

  /** Runs an async provider with a time bound; on failure or timeout the report goes without it. */
  private async bounded<T, F>(what: string, read: () => Promise<T>, fallback: F): Promise<T | F> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<F>((resolve) => {
      timer = setTimeout(() => {
        this.logger?.warn(
          { timeoutMs: this.providerTimeoutMs },
          `telemetry: ${what} took too long; report sent without`,
        );
        resolve(fallback);
      }, this.providerTimeoutMs);
    });
    try {
      return await Promise.race([
        Promise.resolve()
          .then(read)
          .catch((error: unknown) => {
            this.logger?.warn(
              { error: messageOf(error) },
              `telemetry: ${what} unavailable; report sent without`,
            );
            return fallback;
          }),
        timeout,
      ]);
    } finally {
      clearTimeout(timer);
    }
  }
}

function messageOf(error: unknown): string {
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : String(error);
}
