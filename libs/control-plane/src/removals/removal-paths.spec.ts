import { decodeRemovalCursor, encodeRemovalCursor, joinStoragePath, splitStoragePath } from './removal-paths';

describe('removal paths', () => {
  it.each([
    ['clip.mov', { dir: '', name: 'clip.mov' }],
    ['Show/Ep 1/clip.mov', { dir: 'Show/Ep 1', name: 'clip.mov' }],
  ])('splits %s as the scanner keys it, and joins it back', (path, key) => {
    expect(splitStoragePath(path)).toEqual(key);
    expect(joinStoragePath(key)).toBe(path);
  });

  it('round-trips a cursor, and refuses anything it did not make or that is not a storage path', () => {
    for (const path of ['a.mov', 'Show/Ep 1/clip (1).mov', 'Ünïcode/ファイル.mxf'])
      expect(decodeRemovalCursor(encodeRemovalCursor(path))).toBe(path);
    expect(decodeRemovalCursor('')).toBeUndefined();
    expect(decodeRemovalCursor('not a cursor')).toBeUndefined();
    expect(decodeRemovalCursor(`${encodeRemovalCursor('a.mov')}=`)).toBeUndefined();
    for (const path of ['../etc/passwd', '/abs.mov', 'a//b.mov', 'a/'])
      expect(decodeRemovalCursor(encodeRemovalCursor(path))).toBeUndefined();
  });
});
