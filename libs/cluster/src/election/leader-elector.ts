// Drives the election state machine with real timers and the lease store. The state machine
// decides; this class only carries out its commands, feeds back their results with the
// monotonic time, and tells listeners when MAIN work may start and must stop.
import { type MonotonicClock, systemMonotonicClock } from '../clock/monotonic-clock';
import { type FenceContext } from '../fencing/fence';
import {
  type AcquireOutcome,
  type DemotionReason,
  type ElectionCommand,
  type ElectionInput,
  type ElectionRole,
  type ElectionState,
  electionStep,
  initialElectionState,
  isSettled,
  leadership,
  nextWakeAt,
  type RenewOutcome,
} from './election-state';
import { DEFAULT_ELECTION_TIMING, type ElectionTiming } from './election-timing';
import { type LeaseStore } from './lease-store';
import { type NodeOfflineMarker } from './node-offline-marker';

export interface ElectionLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

export interface LeaderElectorOptions {
  readonly clusterId: string;
  readonly nodeId: string;
  /** This process's worker id: the lease and every fenced write are bound to it. */
  readonly workerId: string;
  readonly leases: LeaseStore;
  /** Marks the previous leader Offline after a takeover; without it, that step is skipped. */
  readonly offlineMarker?: NodeOfflineMarker;
  readonly timing?: ElectionTiming;
  readonly clock?: MonotonicClock;
  readonly logger: ElectionLogger;
  /** Whether the node passes its health checks at start. Default false: health decides. */
  readonly eligible?: boolean;
}

export type ElectedListener = (term: number, previousLeaderNodeId: string | null) => void | Promise<void>;
export type DemotedListener = (reason: DemotionReason, term: number) => void | Promise<void>;

export interface LeadershipView {
  readonly isLeader: boolean;
  readonly term: number | null;
}

export class LeaderElector {
  private readonly timing: ElectionTiming;
  private readonly clock: MonotonicClock;
  private readonly log: ElectionLogger;
  private state: ElectionState;
  private started = false;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private readonly elected = new Set<ElectedListener>();
  private readonly demoted = new Set<DemotedListener>();
  /** The term whose election listeners were told (MAIN work running), if any. */
  private announcedTerm: number | null = null;
  private announcedPreviousLeader: string | null = null;
  private settledWaiters: (() => void)[] = [];
  private errorStreak = 0;

  constructor(private readonly options: LeaderElectorOptions) {
    this.timing = options.timing ?? DEFAULT_ELECTION_TIMING;
    this.clock = options.clock ?? systemMonotonicClock;
    this.log = options.logger;
    this.state = initialElectionState(this.clock.now(), options.eligible ?? false);
  }

  /** Starts contending (when eligible). */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.state = initialElectionState(this.clock.now(), this.state.eligible);
    this.dispatch({ type: 'tick', now: this.clock.now() });
  }

  /**
   * Stops for good (SIGTERM): MAIN work stops, a held lease is released at once so a follower
   * takes over without waiting for expiry, and this elector never contends again.
   */
  async stop(): Promise<void> {
    if (!this.started) {
      this.started = true;
      this.state = { ...this.state, role: 'stopped', stopRequested: true };
      return;
    }
    this.dispatch({ type: 'stop', now: this.clock.now() });
    if (isSettled(this.state)) return;
    await new Promise<void>((resolve) => this.settledWaiters.push(resolve));
  }

  /** The debounced health verdict: only eligible nodes contend; a leader that turns ineligible steps down. */
  setEligible(eligible: boolean): void {
    if (eligible === this.state.eligible) return;
    this.log.info({ clusterId: this.options.clusterId, eligible }, 'election eligibility changed');
    if (!this.started) {
      this.state = { ...this.state, eligible };
      return;
    }
    this.dispatch({ type: 'eligibility', now: this.clock.now(), eligible });
  }

  /**
   * Called once MAIN work may start (after the previous leader was marked Offline). A listener
   * added while a term is already announced (a module initialised after the election won) is
   * called for that term too, on the next microtask: otherwise its work would not start until the
   * next election.
   */
  onElected(listener: ElectedListener): () => void {
    this.elected.add(listener);
    const term = this.announcedTerm;
    if (term !== null) {
      const previous = this.announcedPreviousLeader;
      queueMicrotask(() => {
        if (this.announcedTerm === term && this.elected.has(listener))
          this.notify(() => listener(term, previous), 'onElected');
      });
    }
    return () => this.elected.delete(listener);
  }

  /** Called when MAIN work must stop; only for a term that onElected announced. */
  onDemoted(listener: DemotedListener): () => void {
    this.demoted.add(listener);
    return () => this.demoted.delete(listener);
  }

  /** Leadership as of now on the monotonic clock: false once the renew deadline has passed. */
  current(): LeadershipView {
    return leadership(this.state, this.clock.now());
  }

  get role(): ElectionRole {
    return this.state.role;
  }

  /** The context for withFence while leader, else null. */
  fenceContext(action: string, subject?: string | null): FenceContext | null {
    const { isLeader, term } = this.current();
    if (!isLeader || term === null) return null;
    const { clusterId, nodeId, workerId } = this.options;
    return { clusterId, nodeId, workerId, term, action, subject: subject ?? null };
  }

  private dispatch(input: ElectionInput): void {
    const { state, commands } = electionStep(this.state, input, this.timing);
    this.state = state;
    for (const command of commands) this.execute(command);
    this.schedule();
    if (isSettled(this.state) && this.settledWaiters.length > 0) {
      const waiters = this.settledWaiters;
      this.settledWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  private schedule(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    const at = nextWakeAt(this.state);
    if (at === null) return;
    const delay = Math.max(0, Math.ceil(at - this.clock.now()));
    this.timer = setTimeout(() => {
      this.timer = null;
      this.dispatch({ type: 'tick', now: this.clock.now() });
    }, delay);
    // The elector alone never keeps a process alive; the app's server and pools do.
    this.timer.unref();
  }

  private execute(command: ElectionCommand): void {
    const { clusterId, nodeId, workerId } = this.options;
    const leaseMs = this.timing.leaseMs;
    switch (command.type) {
      case 'try-acquire': {
        const id = command.requestId;
        this.options.leases.acquire(clusterId, nodeId, workerId, leaseMs).then(
          (result): void => {
            this.requestSucceeded();
            const outcome: AcquireOutcome = result.granted
              ? {
                  status: 'granted',
                  term: result.term,
                  leaseMs: result.leaseMs,
                  previousLeaderNodeId: result.previousLeaderNodeId,
                }
              : result.remainingMs === undefined
                ? { status: 'denied' }
                : { status: 'denied', remainingMs: result.remainingMs };
            this.complete(id, { type: 'acquire-result', now: this.clock.now(), requestId: id, outcome });
          },
          (error: unknown): void => {
            this.requestFailed('acquire', error);
            this.complete(id, {
              type: 'acquire-result',
              now: this.clock.now(),
              requestId: id,
              outcome: { status: 'error' },
            });
          },
        );
        return;
      }
      case 'renew': {
        const id = command.requestId;
        const sentAt = this.clock.now();
        this.options.leases.renew(clusterId, command.term, workerId, leaseMs).then(
          (result): void => {
            this.requestSucceeded();
            const outcome: RenewOutcome =
              result.status === 'ok' ? { status: 'ok', leaseMs: result.leaseMs } : result;
            const now = this.clock.now();
            if (result.status === 'ok' && now - sentAt > this.timing.renewEveryMs) {
              this.log.warn(
                { clusterId, term: command.term, latencyMs: Math.round(now - sentAt) },
                'leader lease renewed late',
              );
            } else {
              this.log.debug(
                { clusterId, term: command.term, status: result.status },
                'leader lease renewal',
              );
            }
            this.complete(id, { type: 'renew-result', now, requestId: id, outcome });
          },
          (error: unknown): void => {
            this.requestFailed('renew', error, command.term);
            this.complete(id, {
              type: 'renew-result',
              now: this.clock.now(),
              requestId: id,
              outcome: { status: 'error' },
            });
          },
        );
        return;
      }
      case 'release': {
        const id = command.requestId;
        this.options.leases.release(clusterId, command.term, workerId).then(
          (released): void => {
            this.log.info({ clusterId, term: command.term, released }, 'leader lease released');
            this.complete(id, { type: 'release-result', now: this.clock.now(), requestId: id, ok: true });
          },
          (error: unknown): void => {
            this.log.warn(
              { clusterId, term: command.term, err: errorFields(error) },
              'leader lease release failed; it will expire on its own',
            );
            this.complete(id, { type: 'release-result', now: this.clock.now(), requestId: id, ok: false });
          },
        );
        return;
      }
      case 'start-main-work':
        this.log.info(
          { clusterId, nodeId, term: command.term, previousLeaderNodeId: command.previousLeaderNodeId },
          'elected leader',
        );
        void this.beginTerm(command.term, command.previousLeaderNodeId);
        return;
      case 'stop-main-work': {
        const level = command.reason === 'stopping' ? 'info' : 'warn';
        this.log[level](
          { clusterId, nodeId, term: command.term, reason: command.reason },
          'demoted: stopped leading',
        );
        if (this.announcedTerm !== command.term) return;
        this.announcedTerm = null;
        for (const listener of this.demoted)
          this.notify(() => listener(command.reason, command.term), 'onDemoted');
        return;
      }
    }
  }

  private complete(_requestId: number, input: ElectionInput): void {
    this.dispatch(input);
  }

  /** The new leader's first fenced action, then the announcement that MAIN work may start. */
  private async beginTerm(term: number, previousLeaderNodeId: string | null): Promise<void> {
    const { clusterId, nodeId, workerId } = this.options;
    const marker = this.options.offlineMarker;
    if (marker && previousLeaderNodeId !== null && previousLeaderNodeId !== nodeId) {
      try {
        const changed = await marker.markOffline(
          { clusterId, nodeId, workerId, term },
          previousLeaderNodeId,
          `leader lease of term ${term - 1} expired; taken over by node ${nodeId}`,
        );
        this.log.info(
          { clusterId, term, nodeId: previousLeaderNodeId, changed },
          'previous leader marked Offline',
        );
      } catch (error) {
        this.log.warn(
          { clusterId, term, nodeId: previousLeaderNodeId, err: errorFields(error) },
          'could not mark the previous leader Offline',
        );
      }
    }
    if (this.state.role !== 'leader' || this.state.term !== term) return;
    this.announcedTerm = term;
    this.announcedPreviousLeader = previousLeaderNodeId;
    for (const listener of this.elected) this.notify(() => listener(term, previousLeaderNodeId), 'onElected');
  }

  private notify(call: () => void | Promise<void>, what: string): void {
    try {
      const result = call();
      if (result instanceof Promise) {
        result.catch((error: unknown) =>
          this.log.error({ err: errorFields(error) }, `${what} listener failed`),
        );
      }
    } catch (error) {
      this.log.error({ err: errorFields(error) }, `${what} listener failed`);
    }
  }

  private requestSucceeded(): void {
    if (this.errorStreak > 0) {
      this.log.info(
        { clusterId: this.options.clusterId, failures: this.errorStreak },
        'election database reachable again',
      );
    }
    this.errorStreak = 0;
  }

  /** One warning per streak of failures; the rest at debug level. */
  private requestFailed(op: string, error: unknown, term?: number): void {
    this.errorStreak += 1;
    const fields = { clusterId: this.options.clusterId, op, term, err: errorFields(error) };
    if (this.errorStreak === 1) this.log.warn(fields, 'election query failed');
    else this.log.debug(fields, 'election query failed');
  }
}

function errorFields(error: unknown): { message: string; name?: string } {
  return error instanceof Error ? { name: error.name, message: error.message } : { message: String(error) };
}
