import { PathSecurityError, type PathSecurityReason } from './path-security-error';
import { isInsideRoot, joinUnderRoot, storagePathSegments, toStoragePath } from './storage-path';

function refusal(action: () => unknown): PathSecurityError {
  try {
    action();
  } catch (error) {
    if (error instanceof PathSecurityError) return error;
    throw error;
  }
  throw new Error('expected a PathSecurityError, nothing was thrown');
}

describe('storagePathSegments', () => {
  it.each([
    ['a/b/c.mov', ['a', 'b', 'c.mov']],
    ['a//b/./c.mov', ['a', 'b', 'c.mov']],
    ['dir/', ['dir']],
    ['', []],
    ['.', []],
    ['..hidden/a..b/...', ['..hidden', 'a..b', '...']],
    ['odd\\name.mov', ['odd\\name.mov']],
  ])('accepts %j as %j', (input, segments) => {
    expect(storagePathSegments(input)).toEqual(segments);
  });

  it.each<[string, PathSecurityReason]>([
    ['/etc/passwd', 'absolute'],
    ['\\\\server\\share', 'absolute'],
    ['C:\\media\\a.mov', 'absolute'],
    ['c:/media/a.mov', 'absolute'],
    ['../outside', 'parent-segment'],
    ['a/../../outside', 'parent-segment'],
    ['a/b/..', 'parent-segment'],
    ['a\\..\\b', 'parent-segment'],
    ['a/b\0.mov', 'nul'],
  ])('refuses %j (%s)', (input, reason) => {
    const error = refusal(() => storagePathSegments(input));
    expect(error.reason).toBe(reason);
    expect(error.path).toBe(input);
  });

  it('refuses with a permanent error naming the path, the reason and the cure', () => {
    const error = refusal(() => storagePathSegments('media/../../etc/shadow'));
    expect(error.permanent).toBe(true);
    expect(error.name).toBe('PathSecurityError');
    expect(error.message).toBe(
      'Refused storage path "media/../../etc/shadow": it has a ".." segment; storage paths may not climb out ' +
        'of the storage root. Every file operation must stay inside the storage root; fix the path or the link on the storage.',
    );
  });

  it('shows a NUL escaped in the message', () => {
    expect(refusal(() => storagePathSegments('a\0b')).message).toContain('"a\\u0000b"');
  });
});

describe('isInsideRoot', () => {
  it.each([
    ['/mnt/nas', '/mnt/nas', true],
    ['/mnt/nas', '/mnt/nas/a/b', true],
    ['/mnt/nas', '/mnt/nas2/a', false],
    ['/mnt/nas', '/mnt', false],
    ['/mnt/nas', '/etc/passwd', false],
    ['/', '/anything', true],
  ])('%s contains %s: %s', (root, candidate, inside) => {
    expect(isInsideRoot(root, candidate)).toBe(inside);
  });
});

describe('joinUnderRoot', () => {
  it('joins segments under the root, and the root alone for none', () => {
    expect(joinUnderRoot('/mnt/nas', ['a', 'b.mov'])).toBe('/mnt/nas/a/b.mov');
    expect(joinUnderRoot('/mnt/nas', [])).toBe('/mnt/nas');
  });
});

describe('toStoragePath', () => {
  it.each([
    ['/mnt/nas', '/mnt/nas/a/b.mov', 'a/b.mov'],
    ['/mnt/nas/', '/mnt/nas/a/b.mov', 'a/b.mov'],
    ['/mnt/nas', '/mnt/nas/a/../c.mov', 'c.mov'],
    ['/mnt/nas', '/mnt/nas', ''],
    ['/mnt/nas', '/mnt/nas/', ''],
  ])('under %s, %s is %j', (root, absolute, relative) => {
    expect(toStoragePath(root, absolute)).toBe(relative);
  });

  it.each<[string, PathSecurityReason]>([
    ['/mnt/nas2/a.mov', 'outside-root'],
    ['/mnt/nas/../etc/passwd', 'outside-root'],
    ['/etc/passwd', 'outside-root'],
    ['relative/a.mov', 'not-absolute'],
    ['/mnt/nas/a\0', 'nul'],
  ])('refuses %s (%s)', (absolute, reason) => {
    const error = refusal(() => toStoragePath('/mnt/nas', absolute));
    expect(error.reason).toBe(reason);
  });

  it('names the storage root when a path is outside it', () => {
    expect(refusal(() => toStoragePath('/mnt/nas', '/srv/x')).message).toContain(
      'it is not under the storage root (the storage root is /mnt/nas)',
    );
  });
});
