import { randomUUID } from 'node:crypto';
import { lstat, mkdir, readFile, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { HealthCheck, type HealthDetails } from './health-check';

export interface StorageHealthCheckOptions {
  /** Default: the monitor's timeout. */
  timeoutMs?: number;
  /** Name of the check; default `storage`. */
  name?: string;
}

/**
 * The shared storage at this node's mount point works: a probe file with unique content is
 * written under `<mount>/.portico/`, read back, compared and deleted (SPEC 2.4).
 *
 * The file-system calls run on libuv's thread pool, so a hung NFS mount blocks a pool thread,
 * not the event loop; the monitor's timeout turns the hang into a failure, and because it never
 * starts a second probe while one is stuck, a hung mount holds at most one thread.
 * The mount point itself is never created: a missing one is a failure, not something to repair.
 */
export class StorageHealthCheck extends HealthCheck {
  readonly name: string;
  override readonly timeoutMs: number | undefined;

  constructor(
    private readonly mountPoint: string,
    options: StorageHealthCheckOptions = {},
  ) {
    super();
    this.name = options.name ?? 'storage';
    this.timeoutMs = options.timeoutMs;
  }

  async run(signal: AbortSignal): Promise<HealthDetails> {
    const mount = this.mountPoint;
    const started = performance.now();
    await this.step('examine the mount point', () => this.assertDirectory(mount));
    const folder = join(mount, '.portico');
    await this.step(`create ${folder}`, async () => {
      try {
        await mkdir(folder);
      } catch (error) {
        if (codeOf(error) !== 'EEXIST') throw error;
      }
    });
    const file = join(folder, `health-probe-${randomUUID()}`);
    const content = `portico storage probe ${randomUUID()} ${new Date().toISOString()}\n`;
    signal.throwIfAborted();
    await this.step(`write the probe file ${file}`, () => writeFile(file, content, { flag: 'wx', signal }));
    try {
      signal.throwIfAborted();
      const read = await this.step(`read back the probe file ${file}`, () =>
        readFile(file, { encoding: 'utf8', signal }),
      );
      if (read !== content) {
        throw new Error(
          `storage at ${mount} returned other content for the probe file ${file} than was written ` +
            `(${read.length} characters instead of ${content.length}); check the mount (caching, another writer)`,
        );
      }
    } finally {
      await unlink(file).catch(() => undefined);
    }
    return { mountPoint: mount, latencyMs: Math.round((performance.now() - started) * 10) / 10 };
  }

  private async assertDirectory(mount: string): Promise<void> {
    let info;
    try {
      info = await stat(mount);
    } catch (error) {
      if (codeOf(error) === 'ENOENT') {
        const link = await lstat(mount).catch(() => undefined);
        throw new Error(
          link?.isSymbolicLink()
            ? `storage mount point ${mount} is a symbolic link to a path that does not exist; fix the link or [storage] mount-point`
            : `storage mount point ${mount} does not exist; mount the storage there or fix [storage] mount-point`,
        );
      }
      throw error;
    }
    if (!info.isDirectory()) {
      throw new Error(`storage mount point ${mount} is not a directory; fix [storage] mount-point`);
    }
  }

  /** Runs one step and rewrites its error so the operator reads what failed, where, and what to do. */
  private async step<T>(what: string, action: () => Promise<T>): Promise<T> {
    try {
      return await action();
    } catch (error) {
      if (codeOf(error) === undefined) throw error;
      throw new Error(`storage check at ${this.mountPoint} could not ${what}: ${describe(error)}`, {
        cause: error,
      });
    }
  }
}

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function describe(error: unknown): string {
  switch (codeOf(error)) {
    case 'EACCES':
    case 'EPERM':
      return 'permission denied; give this node read and write access to the mount point';
    case 'EROFS':
      return 'the file system is read-only; remount it read-write';
    case 'ENOSPC':
    case 'EDQUOT':
      return 'no space left (or quota exceeded); free space on the storage';
    case 'ENOTDIR':
      return 'a path component is not a directory (is .portico a file?); remove it';
    case 'ENOENT':
      return 'the path vanished while probing (was the storage unmounted?)';
    case 'ESTALE':
    case 'EIO':
      return `I/O error (${codeOf(error)}); check the storage server and remount`;
    case 'ABORT_ERR':
      return 'aborted after the timeout';
    default:
      return messageOf(error);
  }
}

function messageOf(error: unknown): string {
  // Duck-typed: errors made by Node's core (fs, net) may come from another realm than `Error`.
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : String(error);
}
