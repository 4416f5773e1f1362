// The leader election as a pure state machine: inputs in, commands out, no IO and no clock of
// its own. Every input carries the node's monotonic time; the database clock only ever appears
// as durations the database computed (lease length, time left on someone else's lease).
import { type ElectionTiming } from './election-timing';

export type ElectionRole = 'follower' | 'leader' | 'stepping-down' | 'stopped';

/** Why a leader stopped leading. */
export type DemotionReason =
  /** No successful renewal before the renew deadline (database unreachable or too slow). */
  | 'renew-deadline-missed'
  /** The database says the lease is no longer ours (another node took it). */
  | 'lease-lost'
  /** A health check failed (the node is no longer eligible). */
  | 'unhealthy'
  /** stop() was called (SIGTERM). */
  | 'stopping';

export interface PendingRequest {
  readonly id: number;
  readonly op: 'acquire' | 'renew';
  /** Monotonic time the request was sent: the renew deadline counts from here. */
  readonly sentAt: number;
  readonly term: number | null;
}

export interface ElectionState {
  readonly role: ElectionRole;
  /** Debounced health verdict: only eligible nodes contend. */
  readonly eligible: boolean;
  readonly stopRequested: boolean;
  /** The term held as leader (also while stepping down); null as follower. */
  readonly term: number | null;
  /** Leader only: monotonic time by which a renewal must have succeeded, else the node steps down. */
  readonly renewDeadline: number | null;
  /** Next acquisition attempt (follower) or renewal (leader). */
  readonly nextActionAt: number;
  /** No acquisition attempt before this time (after stepping down for failed health checks). */
  readonly coolDownUntil: number;
  /** The acquisition or renewal in flight; at most one at a time. */
  readonly pending: PendingRequest | null;
  /** Ids of release requests in flight. */
  readonly releasing: readonly number[];
  readonly nextRequestId: number;
}

export type AcquireOutcome =
  | {
      readonly status: 'granted';
      readonly term: number;
      /** Length of the granted lease as the database computed it. */
      readonly leaseMs: number;
      /** The node whose expired lease this acquisition replaced, if any. */
      readonly previousLeaderNodeId: string | null;
    }
  /** Someone else holds the lease; remainingMs is what the database says is left of it. */
  | { readonly status: 'denied'; readonly remainingMs?: number }
  | { readonly status: 'error' };

export type RenewOutcome =
  | { readonly status: 'ok'; readonly leaseMs: number }
  | { readonly status: 'lost' }
  | { readonly status: 'error' };

export type ElectionInput =
  | { readonly type: 'tick'; readonly now: number }
  | { readonly type: 'eligibility'; readonly now: number; readonly eligible: boolean }
  | { readonly type: 'stop'; readonly now: number }
  | {
      readonly type: 'acquire-result';
      readonly now: number;
      readonly requestId: number;
      readonly outcome: AcquireOutcome;
    }
  | {
      readonly type: 'renew-result';
      readonly now: number;
      readonly requestId: number;
      readonly outcome: RenewOutcome;
    }
  | {
      readonly type: 'release-result';
      readonly now: number;
      readonly requestId: number;
      readonly ok: boolean;
    };

export type ElectionCommand =
  | { readonly type: 'try-acquire'; readonly requestId: number }
  | { readonly type: 'renew'; readonly requestId: number; readonly term: number }
  | { readonly type: 'release'; readonly requestId: number; readonly term: number }
  | { readonly type: 'start-main-work'; readonly term: number; readonly previousLeaderNodeId: string | null }
  | { readonly type: 'stop-main-work'; readonly term: number; readonly reason: DemotionReason };

export interface ElectionStep {
  readonly state: ElectionState;
  readonly commands: readonly ElectionCommand[];
}

export function initialElectionState(now: number, eligible: boolean): ElectionState {
  return {
    role: 'follower',
    eligible,
    stopRequested: false,
    term: null,
    renewDeadline: null,
    nextActionAt: now,
    coolDownUntil: now,
    pending: null,
    releasing: [],
    nextRequestId: 1,
  };
}

/** Applies one input; returns the next state and the commands to carry out, in order. */
export function electionStep(
  state: ElectionState,
  input: ElectionInput,
  timing: ElectionTiming,
): ElectionStep {
  const out: ElectionCommand[] = [];
  const applied = apply(state, input, timing, out);
  return { state: advance(applied, input.now, out), commands: out };
}

function apply(
  s: ElectionState,
  input: ElectionInput,
  timing: ElectionTiming,
  out: ElectionCommand[],
): ElectionState {
  const now = input.now;
  switch (input.type) {
    case 'tick':
      return s;
    case 'eligibility':
      if (!input.eligible && s.role === 'leader') {
        return stepDown({ ...s, eligible: false }, now, 'unhealthy', out, now + timing.coolDownMs);
      }
      return { ...s, eligible: input.eligible };
    case 'stop':
      if (s.role === 'leader')
        return stepDown({ ...s, stopRequested: true }, now, 'stopping', out, s.coolDownUntil);
      if (s.role === 'follower') return { ...s, stopRequested: true, role: 'stopped' };
      return { ...s, stopRequested: true };
    case 'acquire-result':
      return onAcquireResult(s, input.requestId, input.outcome, now, timing, out);
    case 'renew-result':
      return onRenewResult(s, input.requestId, input.outcome, now, timing, out);
    case 'release-result': {
      if (!s.releasing.includes(input.requestId)) return s;
      const releasing = s.releasing.filter((id) => id !== input.requestId);
      if (s.role === 'stepping-down' && releasing.length === 0) {
        // Whether or not the release reached the database, the lease is no longer acted on;
        // if it did not, it simply expires.
        return {
          ...s,
          releasing,
          role: s.stopRequested ? 'stopped' : 'follower',
          term: null,
          nextActionAt: now,
        };
      }
      return { ...s, releasing };
    }
  }
}

function onAcquireResult(
  s: ElectionState,
  requestId: number,
  outcome: AcquireOutcome,
  now: number,
  timing: ElectionTiming,
  out: ElectionCommand[],
): ElectionState {
  const pending = s.pending;
  if (pending?.op !== 'acquire' || pending.id !== requestId) return s;
  const base: ElectionState = { ...s, pending: null };
  switch (outcome.status) {
    case 'granted': {
      const deadline = pending.sentAt + outcome.leaseMs - timing.safetyMarginMs;
      const usable = s.role === 'follower' && s.eligible && !s.stopRequested && now < deadline;
      if (!usable) {
        // Granted to a node that can no longer lead (stopped, unhealthy, or the answer came
        // after the deadline): hand the lease back so a follower takes over at once.
        const released = release(base, outcome.term, out);
        return s.role === 'follower' ? { ...released, role: 'stepping-down', term: outcome.term } : released;
      }
      out.push({
        type: 'start-main-work',
        term: outcome.term,
        previousLeaderNodeId: outcome.previousLeaderNodeId,
      });
      return {
        ...base,
        role: 'leader',
        term: outcome.term,
        renewDeadline: deadline,
        nextActionAt: pending.sentAt + timing.renewEveryMs,
      };
    }
    case 'denied': {
      // Poll at the usual rate, or sooner when the database says the lease ends sooner.
      const untilExpiry = outcome.remainingMs === undefined ? Infinity : Math.max(0, outcome.remainingMs);
      return {
        ...base,
        nextActionAt: Math.min(pending.sentAt + timing.followerPollMs, now + untilExpiry),
      };
    }
    case 'error':
      return { ...base, nextActionAt: now + timing.retryAfterErrorMs };
  }
}

function onRenewResult(
  s: ElectionState,
  requestId: number,
  outcome: RenewOutcome,
  now: number,
  timing: ElectionTiming,
  out: ElectionCommand[],
): ElectionState {
  const pending = s.pending;
  if (pending?.op !== 'renew' || pending.id !== requestId) return s;
  const base: ElectionState = { ...s, pending: null };
  // A renewal answered after this node stopped leading changes nothing: it stays stepped down.
  if (s.role !== 'leader' || s.term === null || s.term !== pending.term || s.renewDeadline === null)
    return base;
  switch (outcome.status) {
    case 'ok':
      return {
        ...base,
        renewDeadline: Math.max(s.renewDeadline, pending.sentAt + outcome.leaseMs - timing.safetyMarginMs),
        nextActionAt: pending.sentAt + timing.renewEveryMs,
      };
    case 'lost':
      out.push({ type: 'stop-main-work', term: s.term, reason: 'lease-lost' });
      return {
        ...base,
        role: s.stopRequested ? 'stopped' : 'follower',
        term: null,
        renewDeadline: null,
        nextActionAt: now + timing.followerPollMs,
      };
    case 'error':
      return { ...base, nextActionAt: now + timing.retryAfterErrorMs };
  }
}

/** Leader → stepping-down: stop MAIN work at once, then release the lease (best effort). */
function stepDown(
  s: ElectionState,
  now: number,
  reason: DemotionReason,
  out: ElectionCommand[],
  coolDownUntil: number,
): ElectionState {
  if (s.role !== 'leader' || s.term === null) return s;
  out.push({ type: 'stop-main-work', term: s.term, reason });
  return {
    ...release(s, s.term, out),
    role: 'stepping-down',
    renewDeadline: null,
    nextActionAt: now,
    coolDownUntil: Math.max(s.coolDownUntil, coolDownUntil),
  };
}

function release(s: ElectionState, term: number, out: ElectionCommand[]): ElectionState {
  const requestId = s.nextRequestId;
  out.push({ type: 'release', requestId, term });
  return { ...s, releasing: [...s.releasing, requestId], nextRequestId: requestId + 1 };
}

/** Time-driven transitions: the renew deadline first, then whatever request is due. */
function advance(s: ElectionState, now: number, out: ElectionCommand[]): ElectionState {
  if (s.role === 'leader' && s.renewDeadline !== null && now >= s.renewDeadline) {
    // No successful renewal in time: the database may already be handing the lease to someone
    // else, so MAIN work stops now, whether or not the database can be reached.
    return stepDown(s, now, 'renew-deadline-missed', out, s.coolDownUntil);
  }
  if (s.pending !== null || now < s.nextActionAt) return s;
  if (s.role === 'leader' && s.term !== null) {
    const id = s.nextRequestId;
    out.push({ type: 'renew', requestId: id, term: s.term });
    return { ...s, pending: { id, op: 'renew', sentAt: now, term: s.term }, nextRequestId: id + 1 };
  }
  if (canContend(s) && now >= s.coolDownUntil) {
    const id = s.nextRequestId;
    out.push({ type: 'try-acquire', requestId: id });
    return { ...s, pending: { id, op: 'acquire', sentAt: now, term: null }, nextRequestId: id + 1 };
  }
  return s;
}

function canContend(s: ElectionState): boolean {
  return s.role === 'follower' && s.eligible && !s.stopRequested;
}

/** When the driver must next deliver a tick, or null when only an input can change anything. */
export function nextWakeAt(s: ElectionState): number | null {
  if (s.role === 'leader' && s.renewDeadline !== null) {
    return s.pending === null ? Math.min(s.renewDeadline, s.nextActionAt) : s.renewDeadline;
  }
  if (canContend(s) && s.pending === null) return Math.max(s.nextActionAt, s.coolDownUntil);
  return null;
}

/** True once a stopped node has no request in flight and its lease release has completed. */
export function isSettled(s: ElectionState): boolean {
  return s.role === 'stopped' && s.pending === null && s.releasing.length === 0;
}

/** Leadership as callers may act on it: never past the renew deadline, even before the tick. */
export function leadership(s: ElectionState, now: number): { isLeader: boolean; term: number | null } {
  const isLeader = s.role === 'leader' && s.renewDeadline !== null && now < s.renewDeadline;
  return { isLeader, term: isLeader ? s.term : null };
}
