import { lstat, readlink, realpath } from 'node:fs/promises';
import path from 'node:path';

import { PathSecurityError } from './path-security-error';
import { isInsideRoot, joinUnderRoot, storagePathSegments, toStoragePath } from './storage-path';
import { StorageRootUnavailableError } from './storage-root-error';
import { StoragePaths } from './storage-paths';

/**
 * Confines storage paths to this node's mount point by real paths (SPEC 2.6): the target's real
 * path, or for a path that does not exist yet the real path of its nearest existing ancestor, must
 * lie inside the real path of the mount point. The root's real path is resolved at every call, so
 * a remount is seen at once.
 *
 * A check cannot stop a link being swapped between the check and the operation (Node has no
 * openat2 RESOLVE_BENEATH); returning the real path at least means the operation does not follow
 * the checked links a second time.
 */
export class FsStoragePaths extends StoragePaths {
  readonly mountPoint: string;

  constructor(mountPoint: string) {
    super();
    this.mountPoint = path.resolve(mountPoint);
  }

  async resolve(relativePath: string): Promise<string> {
    return this.resolveUnder(await this.realRoot(), relativePath);
  }

  async resolveAll(relativePaths: readonly string[]): Promise<Array<string | Error>> {
    const root = await this.realRoot();
    return Promise.all(
      relativePaths.map((relativePath) =>
        this.resolveUnder(root, relativePath).catch((error: unknown) =>
          error instanceof Error ? error : new Error(String(error)),
        ),
      ),
    );
  }

  private async resolveUnder(root: string, relativePath: string): Promise<string> {
    const segments = storagePathSegments(relativePath);
    const real = await this.realpathIfExists(joinUnderRoot(root, segments), relativePath);
    if (real !== undefined) return this.confined(root, real, relativePath);
    return this.resolveMissing(root, segments, relativePath);
  }

  async relative(absolutePath: string): Promise<string> {
    try {
      return toStoragePath(this.mountPoint, absolutePath);
    } catch (error) {
      if (!(error instanceof PathSecurityError) || error.reason !== 'outside-root') throw error;
    }
    const root = await this.realRoot();
    try {
      return toStoragePath(root, absolutePath);
    } catch (error) {
      if (!(error instanceof PathSecurityError) || error.reason !== 'outside-root') throw error;
      throw new PathSecurityError(
        absolutePath,
        'outside-root',
        `the storage root is ${this.mountPoint}${root === this.mountPoint ? '' : `, real path ${root}`}`,
      );
    }
  }

  /** A path that does not exist (yet): its nearest existing ancestor must be inside the root. */
  private async resolveMissing(
    root: string,
    segments: readonly string[],
    relativePath: string,
  ): Promise<string> {
    for (let depth = segments.length - 1; depth >= 0; depth--) {
      const ancestor = await this.realpathIfExists(
        joinUnderRoot(root, segments.slice(0, depth)),
        relativePath,
      );
      if (ancestor === undefined) continue;
      const inside = this.confined(root, ancestor, relativePath);
      // The first missing component may be a dangling link: creating through it would land
      // wherever it points, which cannot be checked before it exists.
      const next = path.join(inside, segments[depth]!);
      const entry = await lstat(next).catch(() => undefined);
      if (entry?.isSymbolicLink()) {
        const target = await readlink(next).catch(() => '?');
        throw new PathSecurityError(relativePath, 'dangling-symlink', `${next} -> ${target}`);
      }
      return joinUnderRoot(inside, segments.slice(depth));
    }
    // Depth 0 is the root itself, resolved a moment ago: it vanished in between.
    throw new StorageRootUnavailableError(this.mountPoint, 'ENOENT');
  }

  private confined(root: string, real: string, relativePath: string): string {
    if (!isInsideRoot(root, real)) {
      throw new PathSecurityError(relativePath, 'symlink-escape', `it resolves to ${real}, outside ${root}`);
    }
    return real;
  }

  private async realRoot(): Promise<string> {
    try {
      return await realpath(this.mountPoint);
    } catch (error) {
      throw new StorageRootUnavailableError(this.mountPoint, codeOf(error), { cause: error });
    }
  }

  /** The real path, or undefined when a component does not exist (or is not a directory). */
  private async realpathIfExists(target: string, relativePath: string): Promise<string | undefined> {
    try {
      return await realpath(target);
    } catch (error) {
      const code = codeOf(error);
      if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
      if (code === 'ELOOP') throw new PathSecurityError(relativePath, 'symlink-loop', target);
      throw new Error(
        `cannot resolve storage path ${JSON.stringify(relativePath)} at ${target} (${code ?? 'unknown error'}); ` +
          'check the storage mount and the permissions of this node',
        { cause: error },
      );
    }
  }
}

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}
