import { heartbeatProgress, progressRecord } from './transfer-progress';

describe('transfer progress', () => {
  it('records bytes, rate and percent', () => {
    expect(progressRecord('upload', { bytesDone: 25, bytesTotal: 100, bytesPerSecond: 12.6 })).toEqual({
      phase: 'upload',
      bytes: 25,
      totalBytes: 100,
      bytesPerSecond: 13,
      percent: 25,
    });
    expect(progressRecord('restore', { bytesDone: 0, bytesTotal: 0, bytesPerSecond: 0 }).percent).toBe(100);
  });

  it('heartbeats at most once per interval, and always at the end', () => {
    const sent: unknown[] = [];
    let now = 0;
    const listener = heartbeatProgress(
      (p) => (sent.push(p), Promise.resolve()),
      'upload',
      1000,
      () => now,
    );
    listener({ bytesDone: 1, bytesTotal: 10, bytesPerSecond: 1 });
    now = 500;
    listener({ bytesDone: 2, bytesTotal: 10, bytesPerSecond: 1 });
    now = 1000;
    listener({ bytesDone: 3, bytesTotal: 10, bytesPerSecond: 1 });
    now = 1001;
    listener({ bytesDone: 10, bytesTotal: 10, bytesPerSecond: 1 });
    expect(sent.map((p) => (p as { bytes: number }).bytes)).toEqual([1, 3, 10]);
  });
});
