import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { PathSecurityError, type PathSecurityReason } from './path-security-error';
import { StorageRootUnavailableError } from './storage-root-error';
import { FsStoragePaths } from './storage-paths.adapter';

// Real folders and real symbolic links in a temp folder: `nas/` is the storage root, `outside/`
// holds what no storage path may reach.
describe('FsStoragePaths', () => {
  let base: string;
  let root: string;
  let outside: string;
  let paths: FsStoragePaths;

  beforeEach(async () => {
    // Real path of the temp folder, so expectations do not depend on a symlinked TMPDIR.
    base = await realpath(await mkdtemp(path.join(tmpdir(), 'portico-paths-')));
    root = path.join(base, 'nas');
    outside = path.join(base, 'outside');
    await mkdir(path.join(root, 'media', 'day1'), { recursive: true });
    await mkdir(outside);
    await writeFile(path.join(root, 'media', 'day1', 'a.mov'), 'inside');
    await writeFile(path.join(outside, 'secret'), 'outside');
    paths = new FsStoragePaths(root);
  });
  afterEach(async () => {
    await rm(base, { recursive: true, force: true });
  });

  async function refusal(relativePath: string): Promise<PathSecurityError> {
    const error: unknown = await paths.resolve(relativePath).then(
      (resolved) => new Error(`expected ${relativePath} to be refused, it resolved to ${resolved}`),
      (rejection: unknown) => rejection,
    );
    if (error instanceof PathSecurityError) return error;
    throw error;
  }

  it('resolves an existing file to its real path', async () => {
    expect(await paths.resolve('media/day1/a.mov')).toBe(path.join(root, 'media/day1/a.mov'));
    expect(await paths.resolve('media//./day1/a.mov')).toBe(path.join(root, 'media/day1/a.mov'));
  });

  it('resolves "" and "." to the root itself', async () => {
    expect(await paths.resolve('')).toBe(root);
    expect(await paths.resolve('.')).toBe(root);
  });

  it('resolves a file about to be created, also under folders that do not exist yet', async () => {
    expect(await paths.resolve('media/day1/new.mov')).toBe(path.join(root, 'media/day1/new.mov'));
    expect(await paths.resolve('media/day2/cam/new.mov')).toBe(path.join(root, 'media/day2/cam/new.mov'));
  });

  it.each<[string, PathSecurityReason]>([
    ['../outside/secret', 'parent-segment'],
    ['media/../media/day1/a.mov', 'parent-segment'],
    ['media/day1/../../../outside/secret', 'parent-segment'],
  ])('refuses %s: a ".." segment, even one that would stay inside', async (relativePath, reason) => {
    const error = await refusal(relativePath);
    expect(error).toMatchObject({ reason, permanent: true, path: relativePath });
    expect(error.message).toContain(`Refused storage path ${JSON.stringify(relativePath)}`);
  });

  it('refuses an absolute path, even one under the root', async () => {
    expect((await refusal(path.join(outside, 'secret'))).reason).toBe('absolute');
    expect((await refusal(path.join(root, 'media/day1/a.mov'))).reason).toBe('absolute');
  });

  it('refuses a NUL in the path', async () => {
    expect((await refusal('media/day1/a.mov\0.txt')).reason).toBe('nul');
  });

  it('refuses a symbolic link to a file outside the root, naming where it leads', async () => {
    await symlink(path.join(outside, 'secret'), path.join(root, 'media', 'evil.mov'));
    const error = await refusal('media/evil.mov');
    expect(error.reason).toBe('symlink-escape');
    expect(error.message).toContain(`it resolves to ${path.join(outside, 'secret')}, outside ${root}`);
  });

  it('refuses a relative symbolic link that climbs out of the root', async () => {
    await symlink('../../../outside/secret', path.join(root, 'media', 'day1', 'up.mov'));
    expect((await refusal('media/day1/up.mov')).reason).toBe('symlink-escape');
  });

  it('refuses every path through a symbolic link to a folder outside, existing or to be created', async () => {
    await symlink(outside, path.join(root, 'media', 'evil-dir'));
    for (const relativePath of [
      'media/evil-dir',
      'media/evil-dir/secret',
      'media/evil-dir/new.mov',
      'media/evil-dir/x/y.mov',
    ]) {
      expect((await refusal(relativePath)).reason).toBe('symlink-escape');
    }
  });

  it('refuses creating through a dangling symbolic link, whose target cannot be checked', async () => {
    await symlink(path.join(outside, 'not-yet'), path.join(root, 'media', 'dangling.mov'));
    const error = await refusal('media/dangling.mov');
    expect(error.reason).toBe('dangling-symlink');
    expect(error.message).toContain(`-> ${path.join(outside, 'not-yet')}`);
  });

  it('refuses a symbolic-link loop', async () => {
    await symlink('loop-b', path.join(root, 'loop-a'));
    await symlink('loop-a', path.join(root, 'loop-b'));
    expect((await refusal('loop-a/file.mov')).reason).toBe('symlink-loop');
  });

  it('allows symbolic links that stay inside the root, resolving to the real path', async () => {
    await symlink('day1/a.mov', path.join(root, 'media', 'alias.mov'));
    await symlink(path.join(root, 'media', 'day1'), path.join(root, 'latest'));
    expect(await paths.resolve('media/alias.mov')).toBe(path.join(root, 'media/day1/a.mov'));
    expect(await paths.resolve('latest/a.mov')).toBe(path.join(root, 'media/day1/a.mov'));
    expect(await paths.resolve('latest/new.mov')).toBe(path.join(root, 'media/day1/new.mov'));
  });

  it('works when the mount point itself is a symbolic link, and maps both forms back', async () => {
    const mount = path.join(base, 'mnt');
    await symlink(root, mount);
    const linked = new FsStoragePaths(mount);
    const resolved = await linked.resolve('media/day1/a.mov');
    expect(resolved).toBe(path.join(root, 'media/day1/a.mov'));
    expect(await linked.relative(resolved)).toBe('media/day1/a.mov');
    expect(await linked.relative(path.join(mount, 'media/day1/a.mov'))).toBe('media/day1/a.mov');
    await symlink(path.join(outside, 'secret'), path.join(root, 'evil'));
    await expect(linked.resolve('evil')).rejects.toMatchObject({ reason: 'symlink-escape' });
  });

  it('maps an absolute path back to the storage path, and refuses one outside', async () => {
    expect(await paths.relative(path.join(root, 'media/day1/a.mov'))).toBe('media/day1/a.mov');
    expect(await paths.relative(root)).toBe('');
    await expect(paths.relative(path.join(outside, 'secret'))).rejects.toMatchObject({
      name: 'PathSecurityError',
      reason: 'outside-root',
    });
    await expect(paths.relative(`${root}2/x`)).rejects.toMatchObject({ reason: 'outside-root' });
  });

  it('fails retryably, naming the mount point, when the storage is not there', async () => {
    const missing = new FsStoragePaths(path.join(base, 'unmounted'));
    const error: unknown = await missing.resolve('media/a.mov').catch((rejection: unknown) => rejection);
    expect(error).toBeInstanceOf(StorageRootUnavailableError);
    expect(error).toMatchObject({ permanent: false, code: 'ENOENT' });
    expect((error as Error).message).toBe(
      `storage mount point ${path.join(base, 'unmounted')} cannot be resolved (ENOENT); mount the storage there or fix [storage] mount-point`,
    );
  });

  it('resolves a batch of paths against one root: each its real path or its own refusal', async () => {
    await symlink(path.join(outside, 'secret'), path.join(root, 'media', 'leak'));
    const resolved = await paths.resolveAll([
      'media/day1/a.mov',
      'media/leak',
      '../outside/secret',
      'new/b.mov',
    ]);
    expect(resolved[0]).toBe(path.join(root, 'media', 'day1', 'a.mov'));
    expect(resolved[1]).toBeInstanceOf(PathSecurityError);
    expect(resolved[1]).toMatchObject({ reason: 'symlink-escape' });
    expect(resolved[2]).toBeInstanceOf(PathSecurityError);
    expect(resolved[3]).toBe(path.join(root, 'new', 'b.mov'));
    const missing = new FsStoragePaths(path.join(base, 'unmounted'));
    await expect(missing.resolveAll(['media/day1/a.mov'])).rejects.toBeInstanceOf(
      StorageRootUnavailableError,
    );
  });
});
