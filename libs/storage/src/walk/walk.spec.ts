import { baseName, childPath, parentOf } from './walk';
import { subfolderTasks } from './walk-tree';

describe('relative paths', () => {
  it('joins, splits and names', () => {
    expect(childPath('', 'a')).toBe('a');
    expect(childPath('a/b', 'c')).toBe('a/b/c');
    expect(parentOf('a')).toBe('');
    expect(parentOf('a/b/c')).toBe('a/b');
    expect(baseName('a/b/c.mov')).toBe('c.mov');
    expect(baseName('c.mov')).toBe('c.mov');
  });
});

describe('subfolderTasks', () => {
  it('carries the ancestry down to each sub-folder', () => {
    const chunk = {
      dir: 'a',
      part: 0,
      final: true,
      identity: '1:20',
      ancestors: ['1:2'],
      files: { names: [], sizes: [], mtimesMs: [], inodes: [], devs: [] },
      fingerprint: '0-0-0',
      subdirs: ['x', 'y'],
      issues: [],
      ignored: 0,
      incomplete: false,
    };
    expect(subfolderTasks(chunk)).toEqual([
      { path: 'a/x', ancestors: ['1:2', '1:20'] },
      { path: 'a/y', ancestors: ['1:2', '1:20'] },
    ]);
  });
});
