import type { DirectoryChunk } from '@portico/storage';

import { buildBatch, listedFiles, withoutFolders } from './scan-batch';

function chunk(dir: string, overrides: Partial<DirectoryChunk> = {}, names: string[] = []): DirectoryChunk {
  return {
    dir,
    part: 0,
    final: true,
    identity: `1:${dir.length + 2}`,
    ancestors: ['1:1'],
    files: {
      names,
      sizes: names.map((_, index) => index * 10),
      mtimesMs: names.map(() => 5.5),
      inodes: names.map((_, index) => String(100 + index)),
      devs: names.map(() => 1),
    },
    fingerprint: `${names.length}-f-${dir}`,
    subdirs: [],
    issues: [],
    ignored: 0,
    incomplete: false,
    ...overrides,
  };
}

describe('buildBatch', () => {
  it('lays the files out as columns with their folder, and finishes whole folders as listed', () => {
    const batch = buildBatch([
      chunk('', { subdirs: ['a', 'b'], ignored: 2 }, ['x.mov']),
      chunk('a', {}, ['y.mov', 'z.mov']),
    ]);
    expect(batch.dirs).toEqual(['', 'a']);
    expect(batch.wholeDirs).toEqual([true, true]);
    expect(batch.fileDirs).toEqual([0, 1, 1]);
    expect(listedFiles(batch)).toEqual([
      { dir: '', name: 'x.mov', size: 0, mtimeMs: 5.5, inode: '100' },
      { dir: 'a', name: 'y.mov', size: 0, mtimeMs: 5.5, inode: '100' },
      { dir: 'a', name: 'z.mov', size: 10, mtimeMs: 5.5, inode: '101' },
    ]);
    expect(batch.finished).toEqual([
      { path: '', state: 'listed' },
      { path: 'a', state: 'listed' },
    ]);
    expect(batch.children).toEqual([
      { path: 'a', ancestors: ['1:1', '1:2'] },
      { path: 'b', ancestors: ['1:1', '1:2'] },
    ]);
    expect(batch.ignored).toBe(2);
    expect(batch.rootFailed).toBe(false);
  });

  it('marks folders listed in several chunks, and completes them on their last chunk', () => {
    const batch = buildBatch([
      chunk('big', { part: 0, final: false }, ['1.mov']),
      chunk('big', { part: 1, final: false }, ['2.mov']),
      chunk('huge', { part: 3, final: true }, ['3.mov']),
    ]);
    expect(batch.dirs).toEqual(['big', 'huge']);
    expect(batch.wholeDirs).toEqual([false, false]);
    expect(batch.chunkedDirs).toEqual(['big', 'huge']);
    expect(batch.chunkedComplete).toEqual(['huge']);
    expect(batch.finished).toEqual([{ path: 'huge', state: 'chunked' }]);
  });

  it('never takes an incomplete or failed folder for listed whole', () => {
    const batch = buildBatch([
      chunk('partial', { incomplete: true }, ['a.mov']),
      chunk('locked', { failure: { kind: 'unreadable', message: 'denied' } }),
      chunk('vanished', { failure: { kind: 'gone', message: 'gone' } }),
      chunk('loop', { failure: { kind: 'loop', message: 'loop' } }),
    ]);
    expect(batch.wholeDirs).toEqual([false, false, false, false]);
    expect(batch.finished.map((dir) => dir.state)).toEqual(['incomplete', 'failed', 'gone', 'failed']);
    expect(batch.chunkedComplete).toEqual([]);
  });

  it('flags a root that could not be listed', () => {
    expect(buildBatch([chunk('', { failure: { kind: 'unreadable', message: 'denied' } })]).rootFailed).toBe(
      true,
    );
  });
});

describe('withoutFolders', () => {
  it('drops the files and folders found unchanged, keeping the rest aligned', () => {
    const batch = buildBatch([
      chunk('a', {}, ['1.mov', '2.mov']),
      chunk('b', {}, ['3.mov']),
      chunk('c', {}, ['4.mov']),
    ]);
    const rest = withoutFolders(batch, new Set(['a', 'c']));
    expect(rest.dirs).toEqual(['b']);
    expect(rest.digests).toEqual(['1-f-b']);
    expect(listedFiles(rest)).toEqual([{ dir: 'b', name: '3.mov', size: 0, mtimeMs: 5.5, inode: '100' }]);
  });
});
