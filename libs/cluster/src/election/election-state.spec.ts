import {
  type ElectionCommand,
  type ElectionInput,
  type ElectionState,
  electionStep,
  initialElectionState,
  isSettled,
  leadership,
  nextWakeAt,
} from './election-state';
import { DEFAULT_ELECTION_TIMING as T } from './election-timing';

/** A small driver: feeds inputs, keeps the state, collects the commands of each step. */
class Machine {
  commands: ElectionCommand[] = [];
  constructor(public state: ElectionState) {}
  static at(now: number, eligible = true): Machine {
    return new Machine(initialElectionState(now, eligible));
  }
  send(input: ElectionInput): ElectionCommand[] {
    const step = electionStep(this.state, input, T);
    this.state = step.state;
    this.commands.push(...step.commands);
    return [...step.commands];
  }
  tick(now: number): ElectionCommand[] {
    return this.send({ type: 'tick', now });
  }
  /** Ticks at `now`, expects a try-acquire, and grants it at `answeredAt`. */
  elect(
    now: number,
    answeredAt: number,
    term = 1,
    previousLeaderNodeId: string | null = null,
  ): ElectionCommand[] {
    const [command] = this.tick(now);
    if (command?.type !== 'try-acquire')
      throw new Error(`expected try-acquire, got ${JSON.stringify(command)}`);
    return this.send({
      type: 'acquire-result',
      now: answeredAt,
      requestId: command.requestId,
      outcome: { status: 'granted', term, leaseMs: T.leaseMs, previousLeaderNodeId },
    });
  }
  pendingId(): number {
    const pending = this.state.pending;
    if (!pending) throw new Error('nothing pending');
    return pending.id;
  }
}

type RequestCommand = Extract<ElectionCommand, { requestId: number }>;

const types = (commands: readonly ElectionCommand[]): string[] => commands.map((c) => c.type);

describe('election state machine', () => {
  describe('follower', () => {
    it('tries to acquire at once when eligible', () => {
      const m = Machine.at(0);
      expect(m.tick(0)).toEqual([{ type: 'try-acquire', requestId: 1 }]);
      expect(m.state.pending).toEqual({ id: 1, op: 'acquire', sentAt: 0, term: null });
    });

    it('does nothing while not eligible, and needs no timer', () => {
      const m = Machine.at(0, false);
      expect(m.tick(0)).toEqual([]);
      expect(m.tick(10_000)).toEqual([]);
      expect(nextWakeAt(m.state)).toBeNull();
      expect(m.send({ type: 'eligibility', now: 10_001, eligible: true })).toEqual([
        { type: 'try-acquire', requestId: 1 },
      ]);
    });

    it('sends one acquisition at a time', () => {
      const m = Machine.at(0);
      m.tick(0);
      expect(m.tick(500)).toEqual([]);
      expect(nextWakeAt(m.state)).toBeNull();
    });

    it('polls every followerPollMs counted from the send time while the lease is held', () => {
      const m = Machine.at(0);
      m.tick(0);
      m.send({
        type: 'acquire-result',
        now: 30,
        requestId: 1,
        outcome: { status: 'denied', remainingMs: 1200 },
      });
      expect(m.state.nextActionAt).toBe(T.followerPollMs);
      expect(nextWakeAt(m.state)).toBe(T.followerPollMs);
      expect(m.tick(T.followerPollMs - 1)).toEqual([]);
      expect(types(m.tick(T.followerPollMs))).toEqual(['try-acquire']);
    });

    it('polls sooner when the database says the lease ends sooner', () => {
      const m = Machine.at(0);
      m.tick(0);
      m.send({
        type: 'acquire-result',
        now: 10,
        requestId: 1,
        outcome: { status: 'denied', remainingMs: 40 },
      });
      expect(m.state.nextActionAt).toBe(50);
    });

    it('retries an acquisition that failed after retryAfterErrorMs', () => {
      const m = Machine.at(0);
      m.tick(0);
      m.send({ type: 'acquire-result', now: 1000, requestId: 1, outcome: { status: 'error' } });
      expect(m.state.role).toBe('follower');
      expect(m.state.nextActionAt).toBe(1000 + T.retryAfterErrorMs);
    });

    it('ignores answers to requests it did not send', () => {
      const m = Machine.at(0);
      m.tick(0);
      const before = m.state;
      expect(
        m.send({
          type: 'acquire-result',
          now: 5,
          requestId: 99,
          outcome: { status: 'granted', term: 3, leaseMs: 1500, previousLeaderNodeId: null },
        }),
      ).toEqual([]);
      expect(m.state).toBe(before);
      expect(
        m.send({ type: 'renew-result', now: 5, requestId: 1, outcome: { status: 'ok', leaseMs: 1500 } }),
      ).toEqual([]);
      expect(m.send({ type: 'release-result', now: 5, requestId: 1, ok: true })).toEqual([]);
    });
  });

  describe('election', () => {
    it('becomes leader and starts MAIN work with the term and the previous leader', () => {
      const m = Machine.at(0);
      expect(m.elect(0, 20, 7, 'node-a')).toEqual([
        { type: 'start-main-work', term: 7, previousLeaderNodeId: 'node-a' },
      ]);
      expect(m.state.role).toBe('leader');
      expect(leadership(m.state, 21)).toEqual({ isLeader: true, term: 7 });
    });

    it('computes the renew deadline from the time the request was SENT, not answered', () => {
      const m = Machine.at(1000);
      m.elect(1000, 1400);
      expect(m.state.renewDeadline).toBe(1000 + T.leaseMs - T.safetyMarginMs);
      // and the first renewal is due renewEveryMs after that send
      expect(m.state.nextActionAt).toBe(1000 + T.renewEveryMs);
    });

    it('uses the lease length the database granted', () => {
      const m = Machine.at(0);
      m.tick(0);
      m.send({
        type: 'acquire-result',
        now: 1,
        requestId: 1,
        outcome: { status: 'granted', term: 1, leaseMs: 1000, previousLeaderNodeId: null },
      });
      expect(m.state.renewDeadline).toBe(1000 - T.safetyMarginMs);
    });

    it('releases a grant that arrives after its own deadline, without starting MAIN work', () => {
      const m = Machine.at(0);
      const late = T.leaseMs - T.safetyMarginMs;
      expect(m.elect(0, late)).toEqual([{ type: 'release', requestId: 2, term: 1 }]);
      expect(m.state.role).toBe('stepping-down');
      expect(leadership(m.state, late).isLeader).toBe(false);
      // back to follower, and contending again straight away (no cool-down: it was healthy)
      expect(types(m.send({ type: 'release-result', now: late + 5, requestId: 2, ok: true }))).toEqual([
        'try-acquire',
      ]);
      expect(m.state.role).toBe('follower');
    });

    it('releases a grant that arrives after health turned bad', () => {
      const m = Machine.at(0);
      m.tick(0);
      m.send({ type: 'eligibility', now: 5, eligible: false });
      expect(
        m.send({
          type: 'acquire-result',
          now: 10,
          requestId: 1,
          outcome: { status: 'granted', term: 4, leaseMs: 1500, previousLeaderNodeId: null },
        }),
      ).toEqual([{ type: 'release', requestId: 2, term: 4 }]);
      expect(types(m.commands)).not.toContain('start-main-work');
    });
  });

  describe('leader', () => {
    it('renews every renewEveryMs, each success moving the deadline to its send time + lease − margin', () => {
      const m = Machine.at(0);
      m.elect(0, 10);
      expect(m.tick(299)).toEqual([]);
      expect(m.tick(300)).toEqual([{ type: 'renew', requestId: 2, term: 1 }]);
      m.send({ type: 'renew-result', now: 450, requestId: 2, outcome: { status: 'ok', leaseMs: 1500 } });
      expect(m.state.renewDeadline).toBe(300 + T.leaseMs - T.safetyMarginMs);
      expect(m.state.nextActionAt).toBe(600);
      expect(nextWakeAt(m.state)).toBe(600);
    });

    it('never moves the deadline back', () => {
      const m = Machine.at(0);
      m.elect(0, 10);
      m.tick(300);
      m.send({ type: 'renew-result', now: 310, requestId: 2, outcome: { status: 'ok', leaseMs: 100 } });
      expect(m.state.renewDeadline).toBe(T.leaseMs - T.safetyMarginMs);
    });

    it('steps down by its renew deadline while the database is unreachable (renewal never answered)', () => {
      const m = Machine.at(0);
      m.elect(0, 10);
      m.tick(300); // renewal sent; no answer ever comes
      const deadline = T.leaseMs - T.safetyMarginMs;
      expect(nextWakeAt(m.state)).toBe(deadline);
      expect(m.tick(deadline - 1)).toEqual([]);
      expect(leadership(m.state, deadline - 1).isLeader).toBe(true);
      // callers stop acting at the deadline even if the tick is late
      expect(leadership(m.state, deadline)).toEqual({ isLeader: false, term: null });
      expect(m.tick(deadline)).toEqual([
        { type: 'stop-main-work', term: 1, reason: 'renew-deadline-missed' },
        { type: 'release', requestId: 3, term: 1 },
      ]);
      expect(m.state.role).toBe('stepping-down');
    });

    it('steps down by its deadline when every renewal fails, retrying in between', () => {
      const m = Machine.at(0);
      m.elect(0, 10);
      const deadline = T.leaseMs - T.safetyMarginMs;
      const sent: number[] = [];
      let now = 300;
      for (let i = 0; i < 100 && m.state.role === 'leader'; i++) {
        const commands = m.tick(now);
        if (commands[0]?.type === 'renew') {
          sent.push(now);
          m.send({
            type: 'renew-result',
            now: now + 5,
            requestId: commands[0].requestId,
            outcome: { status: 'error' },
          });
        }
        now = nextWakeAt(m.state) ?? now;
      }
      expect(sent.length).toBeGreaterThanOrEqual(8);
      expect(sent[1]! - sent[0]!).toBe(5 + T.retryAfterErrorMs);
      expect(Math.max(...sent)).toBeLessThan(deadline);
      expect(m.state.role).toBe('stepping-down');
      expect(m.commands.filter((c) => c.type === 'stop-main-work')).toEqual([
        { type: 'stop-main-work', term: 1, reason: 'renew-deadline-missed' },
      ]);
    });

    it('steps down when a renewal succeeds too late to help (process paused)', () => {
      const m = Machine.at(0);
      m.elect(0, 10);
      m.tick(300);
      // the answer is processed 10 s later: sentAt + lease − margin is long gone
      expect(
        m.send({ type: 'renew-result', now: 10_300, requestId: 2, outcome: { status: 'ok', leaseMs: 1500 } }),
      ).toEqual([
        { type: 'stop-main-work', term: 1, reason: 'renew-deadline-missed' },
        { type: 'release', requestId: 3, term: 1 },
      ]);
    });

    it('stops MAIN work when the lease is lost, without releasing what is not its own', () => {
      const m = Machine.at(0);
      m.elect(0, 10);
      m.tick(300);
      expect(m.send({ type: 'renew-result', now: 320, requestId: 2, outcome: { status: 'lost' } })).toEqual([
        { type: 'stop-main-work', term: 1, reason: 'lease-lost' },
      ]);
      expect(m.state.role).toBe('follower');
      expect(m.state.term).toBeNull();
      expect(m.state.nextActionAt).toBe(320 + T.followerPollMs);
    });

    it('ignores a renewal answer that arrives after it stepped down', () => {
      const m = Machine.at(0);
      m.elect(0, 10);
      m.tick(300);
      m.send({ type: 'eligibility', now: 310, eligible: false });
      expect(
        m.send({ type: 'renew-result', now: 320, requestId: 2, outcome: { status: 'ok', leaseMs: 1500 } }),
      ).toEqual([]);
      expect(m.state.role).toBe('stepping-down');
      expect(m.state.pending).toBeNull();
    });
  });

  describe('health and leadership hysteresis', () => {
    it('steps down when unhealthy, releases, and waits a cool-down before contending again', () => {
      const m = Machine.at(0);
      m.elect(0, 10);
      expect(m.send({ type: 'eligibility', now: 500, eligible: false })).toEqual([
        { type: 'stop-main-work', term: 1, reason: 'unhealthy' },
        { type: 'release', requestId: 2, term: 1 },
      ]);
      m.send({ type: 'release-result', now: 510, requestId: 2, ok: true });
      expect(m.state.role).toBe('follower');
      // health comes straight back: no contention until the cool-down is over
      expect(m.send({ type: 'eligibility', now: 520, eligible: true })).toEqual([]);
      expect(m.state.coolDownUntil).toBe(500 + T.coolDownMs);
      expect(nextWakeAt(m.state)).toBe(500 + T.coolDownMs);
      expect(m.tick(500 + T.coolDownMs - 1)).toEqual([]);
      expect(types(m.tick(500 + T.coolDownMs))).toEqual(['try-acquire']);
    });

    it('flapping health does not ping-pong leadership: at most one election per cool-down', () => {
      const m = Machine.at(0);
      let term = 0;
      let elections = 0;
      for (let now = 0; now < 30_000; now += 50) {
        const healthy = Math.floor(now / 400) % 2 === 0; // flips every 400 ms
        if (healthy !== m.state.eligible) m.send({ type: 'eligibility', now, eligible: healthy });
        for (const c of m.tick(now)) {
          if (c.type === 'try-acquire') {
            term += 1;
            m.send({
              type: 'acquire-result',
              now: now + 5,
              requestId: c.requestId,
              outcome: { status: 'granted', term, leaseMs: 1500, previousLeaderNodeId: null },
            });
          }
        }
        for (const c of m.commands.splice(0)) {
          if (c.type === 'start-main-work') elections += 1;
          if (c.type === 'release')
            m.send({ type: 'release-result', now: now + 1, requestId: c.requestId, ok: true });
          if (c.type === 'renew') {
            m.send({
              type: 'renew-result',
              now: now + 1,
              requestId: c.requestId,
              outcome: { status: 'ok', leaseMs: 1500 },
            });
          }
        }
      }
      // Without the cool-down it would be elected on every healthy phase (≈ 37 times).
      expect(elections).toBeLessThanOrEqual(Math.ceil(30_000 / T.coolDownMs) + 1);
      expect(elections).toBeGreaterThan(1);
    });

    it('a follower that never led gets no cool-down from a health flap', () => {
      const m = Machine.at(0);
      m.send({ type: 'eligibility', now: 0, eligible: false });
      expect(types(m.send({ type: 'eligibility', now: 10, eligible: true }))).toEqual(['try-acquire']);
    });
  });

  describe('stop', () => {
    it('a leader stops MAIN work and releases at once, then is settled', () => {
      const m = Machine.at(0);
      m.elect(0, 10);
      expect(m.send({ type: 'stop', now: 100 })).toEqual([
        { type: 'stop-main-work', term: 1, reason: 'stopping' },
        { type: 'release', requestId: 2, term: 1 },
      ]);
      expect(isSettled(m.state)).toBe(false);
      m.send({ type: 'release-result', now: 105, requestId: 2, ok: true });
      expect(m.state.role).toBe('stopped');
      expect(isSettled(m.state)).toBe(true);
    });

    it('a stopped node never contends again, whatever happens', () => {
      const m = Machine.at(0);
      m.elect(0, 10);
      m.send({ type: 'stop', now: 100 });
      m.send({ type: 'release-result', now: 105, requestId: 2, ok: false });
      const later = [
        m.send({ type: 'eligibility', now: 200, eligible: false }),
        m.send({ type: 'eligibility', now: 300, eligible: true }),
        m.tick(100_000),
      ].flat();
      expect(later).toEqual([]);
      expect(nextWakeAt(m.state)).toBeNull();
    });

    it('a follower stopping with an acquisition in flight releases the grant instead of leading', () => {
      const m = Machine.at(0);
      m.tick(0);
      expect(m.send({ type: 'stop', now: 1 })).toEqual([]);
      expect(isSettled(m.state)).toBe(false);
      expect(
        m.send({
          type: 'acquire-result',
          now: 5,
          requestId: 1,
          outcome: { status: 'granted', term: 2, leaseMs: 1500, previousLeaderNodeId: null },
        }),
      ).toEqual([{ type: 'release', requestId: 2, term: 2 }]);
      m.send({ type: 'release-result', now: 6, requestId: 2, ok: true });
      expect(isSettled(m.state)).toBe(true);
      expect(types(m.commands)).not.toContain('start-main-work');
    });

    it('a node stopping while stepping down ends stopped', () => {
      const m = Machine.at(0);
      m.elect(0, 10);
      m.send({ type: 'eligibility', now: 20, eligible: false });
      m.send({ type: 'stop', now: 25 });
      m.send({ type: 'release-result', now: 30, requestId: 2, ok: true });
      expect(m.state.role).toBe('stopped');
      expect(types(m.commands).filter((t) => t === 'stop-main-work')).toHaveLength(1);
    });
  });

  describe('invariants under random inputs', () => {
    // A seeded generator, so a failure is reproducible.
    function random(seed: number): () => number {
      let x = seed >>> 0 || 1;
      return () => {
        x ^= x << 13;
        x ^= x >>> 17;
        x ^= x << 5;
        return (x >>> 0) / 0x100000000;
      };
    }

    it('holds over 500 random runs', () => {
      for (let run = 1; run <= 500; run++) {
        const rnd = random(run);
        const m = Machine.at(0, rnd() < 0.8);
        const inFlight: { command: RequestCommand; sentAt: number }[] = [];
        let now = 0;
        let term = 0;
        let leadingTerm: number | null = null;
        let stopped = false;
        let lastUnhealthyStepDown = -Infinity;
        /** Latest send time of a grant or renewal that succeeded for the current term. */
        let validUntil = -Infinity;
        for (let i = 0; i < 200; i++) {
          now += Math.floor(rnd() * 400);
          const r = rnd();
          let commands: ElectionCommand[];
          if (r < 0.05) {
            commands = m.send({ type: 'eligibility', now, eligible: !m.state.eligible });
          } else if (r < 0.07) {
            stopped = true;
            commands = m.send({ type: 'stop', now });
          } else if (r < 0.6 && inFlight.length > 0) {
            const { command, sentAt } = inFlight.splice(Math.floor(rnd() * inFlight.length), 1)[0]!;
            const fail = rnd() < 0.2;
            if (command.type === 'try-acquire') {
              const grant = !fail && rnd() < 0.5;
              if (grant) term += 1;
              commands = m.send({
                type: 'acquire-result',
                now,
                requestId: command.requestId,
                outcome: fail
                  ? { status: 'error' }
                  : grant
                    ? { status: 'granted', term, leaseMs: T.leaseMs, previousLeaderNodeId: null }
                    : { status: 'denied', remainingMs: Math.floor(rnd() * 1500) },
              });
              if (grant && m.state.role === 'leader') validUntil = sentAt + T.leaseMs - T.safetyMarginMs;
            } else if (command.type === 'renew') {
              const lost = !fail && rnd() < 0.1;
              commands = m.send({
                type: 'renew-result',
                now,
                requestId: command.requestId,
                outcome: fail
                  ? { status: 'error' }
                  : lost
                    ? { status: 'lost' }
                    : { status: 'ok', leaseMs: T.leaseMs },
              });
              if (!fail && !lost) validUntil = Math.max(validUntil, sentAt + T.leaseMs - T.safetyMarginMs);
            } else {
              commands = m.send({ type: 'release-result', now, requestId: command.requestId, ok: !fail });
            }
          } else {
            commands = m.tick(now);
          }
          for (const c of commands) {
            switch (c.type) {
              case 'try-acquire':
                expect(stopped).toBe(false);
                expect(m.state.eligible).toBe(true);
                expect(now).toBeGreaterThanOrEqual(lastUnhealthyStepDown + T.coolDownMs);
                inFlight.push({ command: c, sentAt: now });
                break;
              case 'renew':
              case 'release':
                inFlight.push({ command: c, sentAt: now });
                break;
              case 'start-main-work':
                expect(leadingTerm).toBeNull();
                expect(stopped).toBe(false);
                leadingTerm = c.term;
                break;
              case 'stop-main-work':
                expect(c.term).toBe(leadingTerm);
                leadingTerm = null;
                if (c.reason === 'unhealthy') lastUnhealthyStepDown = now;
                break;
            }
          }
          // MAIN work runs exactly while the machine is leader, and never past the time a
          // successful request's send time + lease − margin allows.
          expect(leadingTerm !== null).toBe(m.state.role === 'leader');
          if (leadership(m.state, now).isLeader) expect(now).toBeLessThan(validUntil);
          // whatever the machine waits for is really in flight
          const pendingId = m.state.pending?.id;
          if (pendingId !== undefined) expect(inFlight.map((f) => f.command.requestId)).toContain(pendingId);
        }
      }
    });
  });
});
