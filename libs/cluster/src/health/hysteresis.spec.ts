import { applyOutcome, initialCheckState, type CheckState, type HysteresisThresholds } from './hysteresis';

const T0 = new Date('2030-01-01T00:00:00.000Z');
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);

/** Feeds a sequence like 'ssfff' (s = success, f = failure) and returns the statuses after each result. */
function run(sequence: string, thresholds?: HysteresisThresholds, start?: CheckState) {
  let state = start ?? initialCheckState(T0);
  const statuses: string[] = [];
  const flips: number[] = [];
  [...sequence].forEach((step, index) => {
    const outcome =
      step === 's'
        ? { ok: true as const, at: at(index + 1), latencyMs: 1, details: { step: index } }
        : { ok: false as const, at: at(index + 1), latencyMs: 1, error: `failure ${index}` };
    const next = applyOutcome(state, outcome, thresholds);
    state = next.state;
    statuses.push(state.status);
    if (next.changed) flips.push(index);
  });
  return { state, statuses: statuses.join(','), flips };
}

describe('hysteresis', () => {
  it('starts down with "not checked yet" and goes up only after M consecutive successes', () => {
    expect(initialCheckState(T0)).toMatchObject({ status: 'down', since: T0, lastError: 'not checked yet' });
    const { statuses, flips, state } = run('ss');
    expect(statuses).toBe('down,up');
    expect(flips).toEqual([1]);
    expect(state).toMatchObject({
      status: 'up',
      since: at(2),
      lastError: undefined,
      consecutiveSuccesses: 2,
    });
  });

  it('a failure during start-up resets the success streak', () => {
    expect(run('sfss').statuses).toBe('down,down,down,up');
  });

  it('goes down only after N consecutive failures (default 3) and records when', () => {
    const { statuses, flips, state } = run('ssfff');
    expect(statuses).toBe('down,up,up,up,down');
    expect(flips).toEqual([1, 4]);
    expect(state).toMatchObject({
      status: 'down',
      since: at(5),
      lastError: 'failure 4',
      consecutiveFailures: 3,
    });
  });

  it('flapping never flips the status without N or M consecutive results', () => {
    // up, then alternating and pairs of failures: never 3 in a row
    const { statuses, flips } = run('ss' + 'ffsfsffsffs'.repeat(5));
    expect(flips).toEqual([1]);
    expect(
      statuses
        .split(',')
        .slice(1)
        .every((status) => status === 'up'),
    ).toBe(true);
    // down, then single successes between failures: never 2 in a row
    const down = run('ssfff' + 'sfsfsf'.repeat(5));
    expect(down.flips).toEqual([1, 4]);
    expect(down.state.status).toBe('down');
  });

  it('keeps the last error visible while still up, and the since of the current status', () => {
    const { state } = run('ssf');
    expect(state).toMatchObject({
      status: 'up',
      since: at(2),
      lastError: 'failure 2',
      consecutiveFailures: 1,
    });
  });

  it('recovers after M successes and then needs N failures again', () => {
    const { statuses } = run('ssfffssffsfff');
    expect(statuses).toBe('down,up,up,up,down,down,up,up,up,up,up,up,down');
  });

  it('honours custom thresholds (N=1, M=1 follows every result)', () => {
    expect(run('sfsf', { failuresToDown: 1, successesToUp: 1 }).statuses).toBe('up,down,up,down');
    expect(run('sssfffff', { failuresToDown: 5, successesToUp: 3 }).statuses).toBe(
      'down,down,up,up,up,up,up,down',
    );
  });

  it('rejects thresholds below 1', () => {
    expect(() => run('s', { failuresToDown: 0, successesToUp: 2 })).toThrow(
      /failuresToDown must be an integer ≥ 1/,
    );
  });
});
