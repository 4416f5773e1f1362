import { assertCatalogPath, baseName, catalogPathProblem, likePrefix } from './catalog-path';
import { checksumProblem, normalizeChecksums } from './checksums';
import { isSeqCursor, pageOf } from './cursor';
import { isMediaKind, mediaKindOfPath } from './media-kind';

describe('media kind from the path', () => {
  it('guesses by extension, case-insensitively, and says unknown otherwise', () => {
    expect(mediaKindOfPath('A/B/clip.MOV')).toBe('video');
    expect(mediaKindOfPath('mix.wav')).toBe('audio');
    expect(mediaKindOfPath('still.tiff')).toBe('image');
    expect(mediaKindOfPath('notes.txt')).toBe('other');
    expect(mediaKindOfPath('README')).toBe('unknown');
    expect(mediaKindOfPath('.hidden')).toBe('unknown');
    expect(mediaKindOfPath('dir.mov/file')).toBe('unknown');
    expect(mediaKindOfPath('x.weird')).toBe('unknown');
  });

  it('transcodes video, audio and images only', () => {
    expect(['video', 'audio', 'image', 'other', 'unknown'].map((k) => isMediaKind(k as 'video'))).toEqual([
      true,
      true,
      true,
      false,
      false,
    ]);
  });
});

describe('checksums', () => {
  it('accepts hex digests of each algorithm’s length and stores them lower-case', () => {
    expect(normalizeChecksums({ md5: 'D41D8CD98F00B204E9800998ECF8427E', xxh3: '0123456789abcdef' })).toEqual(
      {
        md5: 'd41d8cd98f00b204e9800998ecf8427e',
        xxh3: '0123456789abcdef',
      },
    );
  });

  it('names the algorithm and the expected length of a bad digest', () => {
    expect(checksumProblem('sha1', 'abc')).toBe('a sha1 digest is 40 hex digits, got "abc"');
    expect(checksumProblem('sha256', 'g'.repeat(64))).toMatch(/64 hex digits/);
    expect(checksumProblem('crc32', '00000000')).toMatch(/unknown checksum algorithm "crc32"/);
    expect(() => normalizeChecksums({ md5: 'x' })).toThrow(RangeError);
  });
});

describe('catalog paths', () => {
  it('accepts relative POSIX paths and refuses everything else with the reason', () => {
    expect(catalogPathProblem('Projects/A/clip 01.mov')).toBeUndefined();
    expect(catalogPathProblem('')).toBe('is empty');
    expect(catalogPathProblem('/abs')).toMatch(/no leading/);
    expect(catalogPathProblem('a//b')).toMatch(/empty segment/);
    expect(catalogPathProblem('a/')).toMatch(/empty segment/);
    expect(catalogPathProblem('a/../b')).toMatch(/"\.\."/);
    expect(catalogPathProblem('./a')).toMatch(/"\."/);
    expect(catalogPathProblem('a\\b')).toMatch(/separator/);
    expect(catalogPathProblem('a\u0000b')).toMatch(/NUL/);
    expect(() => assertCatalogPath('/x')).toThrow('catalog path "/x" must be relative');
  });

  it('takes the base name and escapes LIKE wildcards of a prefix', () => {
    expect(baseName('a/b/c.mov')).toBe('c.mov');
    expect(baseName('c.mov')).toBe('c.mov');
    expect(likePrefix('100%_a\\b')).toBe('100\\%\\_a\\\\b%');
  });
});

describe('keyset cursor', () => {
  it('accepts only positive decimal seq values', () => {
    expect(isSeqCursor('42')).toBe(true);
    expect(isSeqCursor('0')).toBe(false);
    expect(isSeqCursor('-1')).toBe(false);
    expect(isSeqCursor('1e3')).toBe(false);
    expect(isSeqCursor('1'.repeat(20))).toBe(false);
  });

  it('cuts a page and points the cursor at its last row only when more rows exist', () => {
    const rows = [{ seq: '9' }, { seq: '7' }, { seq: '4' }];
    expect(pageOf(rows, 2, (r) => r.seq)).toEqual({ items: ['9', '7'], nextCursor: '7' });
    expect(pageOf(rows, 3, (r) => r.seq)).toEqual({ items: ['9', '7', '4'], nextCursor: null });
  });
});
