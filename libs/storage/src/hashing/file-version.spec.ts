import { fileVersion, mtimeMs, versionChanges, type BigIntStatsLike, type FileVersion } from './file-version';

const base: FileVersion = {
  size: 1000,
  mtimeNs: 1_700_000_000_123_456_789n,
  ctimeNs: 1_700_000_000_123_456_789n,
  inode: 42n,
  device: 7n,
};

describe('fileVersion', () => {
  it('takes size, nanosecond times, inode and device from bigint stats', () => {
    const stats: BigIntStatsLike = {
      size: 20n * 1024n ** 3n,
      mtimeNs: 5n,
      ctimeNs: 6n,
      ino: 2n ** 63n,
      dev: 9n,
      isFile: () => true,
    };
    expect(fileVersion(stats)).toEqual({
      size: 21_474_836_480,
      mtimeNs: 5n,
      ctimeNs: 6n,
      inode: 2n ** 63n,
      device: 9n,
    });
  });

  it('gives whole, truncated milliseconds for job payloads', () => {
    expect(mtimeMs(base)).toBe(1_700_000_000_123);
  });
});

describe('versionChanges', () => {
  it('finds nothing between equal versions', () => {
    expect(versionChanges(base, { ...base })).toEqual([]);
  });

  it('names a size change', () => {
    expect(versionChanges(base, { ...base, size: 2000 })).toEqual(['size 1000 -> 2000 bytes']);
  });

  it('names a modification-time change to the nanosecond', () => {
    expect(versionChanges(base, { ...base, mtimeNs: base.mtimeNs + 1n, ctimeNs: base.ctimeNs + 1n })).toEqual(
      ['modification time 2023-11-14T22:13:20.123456789Z -> 2023-11-14T22:13:20.123456790Z'],
    );
  });

  it('catches a rewrite that restored the modification time, by the change time', () => {
    expect(versionChanges(base, { ...base, ctimeNs: base.ctimeNs + 5_000_000n })).toEqual([
      'status-change time 2023-11-14T22:13:20.123456789Z -> 2023-11-14T22:13:20.128456789Z',
    ]);
  });

  it('names a replaced file by its inode or device', () => {
    expect(versionChanges(base, { ...base, inode: 43n })).toEqual([
      'replaced by another file (inode 42 -> 43)',
    ]);
    expect(versionChanges(base, { ...base, device: 8n })).toHaveLength(1);
  });

  it('lists every change at once', () => {
    expect(versionChanges(base, { ...base, inode: 1n, size: 1, mtimeNs: 0n })).toHaveLength(3);
  });
});
