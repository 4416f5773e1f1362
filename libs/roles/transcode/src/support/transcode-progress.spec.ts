import { heartbeatProgress } from './transcode-progress';

describe('heartbeatProgress', () => {
  it('sends at most one heartbeat per interval, and always the last block', () => {
    const sent: unknown[] = [];
    let now = 0;
    const listener = heartbeatProgress(
      (progress) => {
        sent.push(progress);
        return Promise.resolve();
      },
      { profile: 'proxy', job: 'proxy' },
      1_000,
      () => now,
    );
    listener({ percent: 10.26, outTimeSeconds: 1, done: false });
    now = 500;
    listener({ percent: 20, done: false });
    now = 600;
    listener({ percent: 100, done: true });
    expect(sent).toEqual([
      { phase: 'transcode', profile: 'proxy', job: 'proxy', percent: 10.2, outTimeSeconds: 1 },
      { phase: 'transcode', profile: 'proxy', job: 'proxy', percent: 100 },
    ]);
  });
});
