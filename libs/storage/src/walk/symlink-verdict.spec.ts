import { relativeInside, symlinkIssue } from './symlink-verdict';

const ROOT = '/mnt/nas';

describe('symlinkIssue', () => {
  it.each([
    ['a/link', { resolved: '/etc' }, 'symlink-escape'],
    ['a/link', { resolved: '/mnt/nas2/x' }, 'symlink-escape'],
    ['a/b/link', { resolved: '/mnt/nas/a' }, 'symlink-loop'],
    ['a/b/link', { resolved: '/mnt/nas/a/b' }, 'symlink-loop'],
    ['a/link', { resolved: '/mnt/nas' }, 'symlink-loop'],
    ['a/link', { resolved: '/mnt/nas/b/clip.mov' }, 'symlink-skipped'],
    ['a/link', { resolved: '/mnt/nas/ab' }, 'symlink-skipped'],
    ['a/link', { error: 'ELOOP', message: 'too many links' }, 'symlink-loop'],
    ['a/link', { error: 'ENOENT', message: 'no such file' }, 'symlink-broken'],
    ['a/link', { error: 'EACCES', message: 'denied' }, 'symlink-skipped'],
  ] as const)('%s resolving to %j is %s', (link, resolution, kind) => {
    const issue = symlinkIssue(link, 'target', resolution, ROOT);
    expect(issue.kind).toBe(kind);
    expect(issue.path).toBe(link);
    expect(issue.message).toContain(`"${link}" -> "target"`);
  });
});

describe('relativeInside', () => {
  it('gives the path under the root, or undefined outside it', () => {
    expect(relativeInside('/mnt/nas', '/mnt/nas')).toBe('');
    expect(relativeInside('/mnt/nas', '/mnt/nas/a/b')).toBe('a/b');
    expect(relativeInside('/mnt/nas', '/mnt/nas2')).toBeUndefined();
    expect(relativeInside('/', '/x')).toBe('x');
  });
});
