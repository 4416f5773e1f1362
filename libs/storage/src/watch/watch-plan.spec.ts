import { depthOf, limitProblem, networkFileSystem, planWatches, watchFailure } from './watch-plan';

describe('planWatches', () => {
  it('watches every folder given when they fit, shallowest first', () => {
    expect(planWatches(['a/b/c', 'a', 'x/y', 'b'], 10)).toEqual({
      chosen: ['a', 'b', 'x/y', 'a/b/c'],
      unwatched: 0,
    });
  });

  it('keeps one watch for the root and gives the rest to the shallowest folders', () => {
    const plan = planWatches(['a/b/c', 'a/b', 'a', 'd/e', 'f'], 4);
    expect(plan.chosen).toEqual(['a', 'f', 'a/b']);
    expect(plan.unwatched).toBe(2);
  });

  it('counts distinct folders only, and never the root or a path that leaves it', () => {
    const plan = planWatches(['a', 'a', '', '/etc', '../up', 'a/../b', 'b/', 'c/./d', 'ok'], 10);
    expect(plan).toEqual({ chosen: ['a', 'ok'], unwatched: 0 });
  });

  it('watches the root only when the cap is one', () => {
    expect(planWatches(['a', 'b'], 1)).toEqual({ chosen: [], unwatched: 2 });
  });
});

it('measures depth in path components', () => {
  expect([depthOf(''), depthOf('a'), depthOf('a/b'), depthOf('a/b/c d')]).toEqual([0, 1, 2, 3]);
});

it('stops at system limits and skips folders that are gone or unreadable', () => {
  expect(['ENOSPC', 'EMFILE', 'ENFILE', 'ENOMEM'].map(watchFailure)).toEqual([
    'limit',
    'limit',
    'limit',
    'limit',
  ]);
  expect(['ENOENT', 'ENOTDIR', 'EACCES', 'EPERM', undefined].map(watchFailure)).toEqual([
    'skip',
    'skip',
    'skip',
    'skip',
    'skip',
  ]);
});

describe('limitProblem', () => {
  it('names the inotify watch limit, its value, what is unwatched and how to raise it', () => {
    const problem = limitProblem({
      code: 'ENOSPC',
      platform: 'linux',
      root: '/mnt/nas',
      watched: 8000,
      unwatched: 96,
      current: 8192,
    });
    expect(problem.reason).toBe('limit');
    expect(problem.code).toBe('ENOSPC');
    expect(problem.message).toContain('fs.inotify.max_user_watches = 8192');
    expect(problem.message).toContain('8000 folders of /mnt/nas are watched, 96 are not');
    expect(problem.message).toContain('sysctl fs.inotify.max_user_watches=524288');
  });

  it('names the instance and open-files limits for EMFILE, and says nothing is watched', () => {
    const problem = limitProblem({
      code: 'EMFILE',
      platform: 'linux',
      root: '/mnt/nas',
      watched: 0,
      unwatched: 12,
      current: null,
    });
    expect(problem.message).toContain('fs.inotify.max_user_instances');
    expect(problem.message).toContain('ulimit -n');
    expect(problem.message).toContain(
      'nothing on /mnt/nas is watched: scans run every scan_interval_seconds only',
    );
  });

  it('names the open-files limit on macOS', () => {
    const problem = limitProblem({
      code: 'EMFILE',
      platform: 'darwin',
      root: '/Volumes/nas',
      watched: 3,
      unwatched: 1,
    });
    expect(problem.message).toContain('launchctl limit maxfiles');
    expect(problem.message).not.toContain('inotify');
  });
});

it('recognises network file systems by their statfs magic number, not local ones', () => {
  expect(networkFileSystem(0x6969)).toBe('NFS');
  expect(networkFileSystem(0xff534d42)).toBe('CIFS');
  expect(networkFileSystem(0xfe534d42)).toBe('SMB2');
  // A signed reading of the same 32 bits (some platforms give f_type as a signed long).
  expect(networkFileSystem(0xfe534d42 - 2 ** 32)).toBe('SMB2');
  expect(networkFileSystem(0xef53)).toBeNull(); // ext4
  expect(networkFileSystem(0x01021994)).toBeNull(); // tmpfs
  expect(networkFileSystem(0x65735546)).toBeNull(); // FUSE: local or not, it reports this node's writes
});
