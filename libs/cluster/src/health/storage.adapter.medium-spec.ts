import { mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { HealthMonitor } from './health-monitor';
import { StorageHealthCheck } from './storage.adapter';

// Real file systems in temp folders. Tests may run as root, where chmod 000 does not stop
// anyone, so the failures used here are ones that hold for root too: a missing mount point, a
// mount point that is a file or a dangling symbolic link, and a `.portico` that is a file.
describe('storage health check', () => {
  let root: string;
  const signal = () => new AbortController().signal;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'portico-storage-check-'));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('writes, reads back and deletes a probe file under .portico', async () => {
    const mount = join(root, 'nas');
    await mkdir(mount);
    const details = await new StorageHealthCheck(mount).run(signal());
    expect(details.mountPoint).toBe(mount);
    expect(typeof details.latencyMs).toBe('number');
    expect(await readdir(join(mount, '.portico'))).toEqual([]);
  });

  it('fails, without creating it, when the mount point is missing', async () => {
    const mount = join(root, 'missing');
    await expect(new StorageHealthCheck(mount).run(signal())).rejects.toThrow(
      `storage mount point ${mount} does not exist; mount the storage there or fix [storage] mount-point`,
    );
    expect(existsSync(mount)).toBe(false);
  });

  it('fails when the mount point is a file', async () => {
    const mount = join(root, 'file');
    await writeFile(mount, 'not a directory');
    await expect(new StorageHealthCheck(mount).run(signal())).rejects.toThrow(
      `storage mount point ${mount} is not a directory`,
    );
  });

  it('fails when the mount point is a dangling symbolic link', async () => {
    const mount = join(root, 'link');
    await symlink(join(root, 'gone'), mount);
    await expect(new StorageHealthCheck(mount).run(signal())).rejects.toThrow(
      `storage mount point ${mount} is a symbolic link to a path that does not exist`,
    );
  });

  it('fails when .portico is not a directory, naming the step and the cure', async () => {
    const mount = join(root, 'nas');
    await mkdir(mount);
    await writeFile(join(mount, '.portico'), 'a file in the way');
    await expect(new StorageHealthCheck(mount).run(signal())).rejects.toThrow(
      /^storage check at .* could not write the probe file .*\.portico\/health-probe-.*: a path component is not a directory/,
    );
  });

  it('a monitor takes storage down when the mount point disappears and up when it returns', async () => {
    const mount = join(root, 'nas');
    await mkdir(mount);
    const monitor = new HealthMonitor([new StorageHealthCheck(mount)]);
    const changes: string[] = [];
    monitor.onChange((_name, state) => changes.push(state.status));
    for (let i = 0; i < 2; i++) await monitor.runOnce();
    expect(monitor.isHealthy('storage')).toBe(true);
    await rm(mount, { recursive: true });
    for (let i = 0; i < 3; i++) await monitor.runOnce();
    expect(monitor.state('storage')?.status).toBe('down');
    expect(monitor.state('storage')?.lastError).toMatch(/does not exist/);
    await mkdir(mount);
    for (let i = 0; i < 2; i++) await monitor.runOnce();
    expect(changes).toEqual(['up', 'down', 'up']);
  });
});
