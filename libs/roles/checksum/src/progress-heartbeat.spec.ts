import { heartbeatProgress } from './progress-heartbeat';

describe('heartbeatProgress', () => {
  it('heartbeats a report made while the file is still being read, with its progress', () => {
    expect(heartbeatProgress({ bytesHashed: 1_073_741_824, totalBytes: 4_294_967_296 })).toEqual({
      bytes: 1_073_741_824,
      totalBytes: 4_294_967_296,
      percent: 25,
    });
    expect(heartbeatProgress({ bytesHashed: 4095, totalBytes: 4096 })?.percent).toBe(99);
  });

  it('skips the report at the end of the read: the completion follows at once', () => {
    expect(heartbeatProgress({ bytesHashed: 4096, totalBytes: 4096 })).toBeUndefined();
  });

  it('skips a report beyond the size the hash started with (the hasher fails the read then)', () => {
    expect(heartbeatProgress({ bytesHashed: 5000, totalBytes: 4096 })).toBeUndefined();
  });
});
