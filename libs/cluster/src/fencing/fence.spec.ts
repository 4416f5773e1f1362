import { type FenceContext, judgeFence, StaleTermError } from './fence';

const context: FenceContext = {
  clusterId: 'c1',
  term: 5,
  nodeId: 'n1',
  workerId: 'w1',
  action: 'ingest',
  subject: 'a/b.mov',
};

describe('judgeFence', () => {
  it('passes only the current, live term of the same worker', () => {
    expect(judgeFence({ term: 5, leaderWorkerId: 'w1', live: true }, context)).toEqual({ ok: true });
  });

  it.each([
    [undefined, null, 'no leader lease'],
    [{ term: 6, leaderWorkerId: 'w2', live: true }, 6, 'superseded by term 6'],
    [{ term: 5, leaderWorkerId: 'w2', live: true }, 5, 'another worker'],
    [{ term: 5, leaderWorkerId: 'w1', live: false }, 5, 'expired or was released'],
  ])('refuses %j', (lease, currentTerm, reason) => {
    const verdict = judgeFence(lease, context);
    expect(verdict.ok).toBe(false);
    expect(verdict).toMatchObject({ currentTerm });
    expect(!verdict.ok && verdict.reason).toContain(reason);
  });
});

describe('StaleTermError', () => {
  it('tells the operator what was refused, where, and why', () => {
    const error = new StaleTermError(context, 6, 'term 5 was superseded by term 6');
    expect(error.name).toBe('StaleTermError');
    expect(error.currentTerm).toBe(6);
    expect(error.message).toBe(
      'Fenced write "ingest" on a/b.mov refused for node n1 in cluster c1: term 5 was superseded by term 6. ' +
        'Nothing was written; this node is no longer the leader and must stop leader-only work.',
    );
  });
});
