import { deriveReportedStatus, isSilent, offlineReason, shortWorkerId } from './node-status';

const A = 'aaaaaaaa-1111-4111-8111-111111111111';
const B = 'bbbbbbbb-2222-4222-8222-222222222222';
const C = 'cccccccc-3333-4333-8333-333333333333';

describe('reported status', () => {
  it('takes the reported status when the instance is alone', () => {
    expect(deriveReportedStatus({ status: 'Active', workerId: A }, [])).toEqual({
      status: 'Active',
      statusReason: null,
    });
    expect(deriveReportedStatus({ status: 'Error', statusReason: 'database down', workerId: A }, [])).toEqual(
      {
        status: 'Error',
        statusReason: 'database down',
      },
    );
  });

  it('turns a live duplicate worker into Warning, naming every instance', () => {
    const derived = deriveReportedStatus({ status: 'Active', workerId: A }, [B, C]);
    expect(derived.status).toBe('Warning');
    expect(derived.statusReason).toMatch(
      /^3 worker instances report this node id \(aaaaaaaa, bbbbbbbb, cccccccc\)/,
    );
  });

  it('keeps Error (worse than Warning) and the node own reason', () => {
    expect(deriveReportedStatus({ status: 'Error', statusReason: 'disk full', workerId: A }, [B])).toEqual({
      status: 'Error',
      statusReason: expect.stringMatching(/^disk full; 2 worker instances/) as unknown,
    });
    expect(
      deriveReportedStatus({ status: 'Warning', statusReason: 'flapping', workerId: A }, [B]).statusReason,
    ).toMatch(/^2 worker instances .*; flapping$/);
  });

  it('takes a clean stop as is', () => {
    expect(deriveReportedStatus({ status: 'Stopped', workerId: A }, [B])).toEqual({
      status: 'Stopped',
      statusReason: null,
    });
  });

  it('shortens worker ids', () => {
    expect(shortWorkerId(A)).toBe('aaaaaaaa');
  });
});

describe('offline threshold', () => {
  const now = new Date('2026-01-01T00:00:10Z');
  it('is three missed intervals, measured against the given (database) clock', () => {
    expect(isSilent(new Date('2026-01-01T00:00:00Z'), 3, now)).toBe(true); // 10 s > 9 s
    expect(isSilent(new Date('2026-01-01T00:00:01Z'), 3, now)).toBe(false); // exactly 9 s
    expect(isSilent(new Date('2026-01-01T00:00:09.5Z'), 0.1, now)).toBe(true);
  });

  it('never applies to a node that never reported', () => {
    expect(isSilent(null, 5, now)).toBe(false);
    expect(isSilent(new Date(0), null, now)).toBe(false);
  });

  it('says for how long the node has been silent', () => {
    expect(offlineReason(new Date('2026-01-01T00:00:02.6Z'), now)).toBe('no telemetry for 7s');
  });
});
