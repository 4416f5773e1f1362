// Pure rules for storage-relative paths (SPEC 2.6): what a path may look like before it touches
// the file system, and how absolute paths map back to storage paths. The real-path checks
// (symbolic links) are in storage-paths.adapter.ts.
import path from 'node:path';

import { PathSecurityError } from './path-security-error';

/** `C:\` or `C:/`: absolute on Windows clients; refused like the job contracts refuse it. */
const DRIVE_LETTER = /^[A-Za-z]:[\\/]/;

/**
 * The segments of a storage-relative path, or a `PathSecurityError` for an absolute path, a `..`
 * segment or a NUL. Empty and `.` segments are dropped, so `''` and `.` mean the root itself.
 * Only `/` separates segments on the storage, but a `..` between backslashes is refused too:
 * such a path comes from a Windows client and means traversal there.
 */
export function storagePathSegments(relativePath: string): string[] {
  if (relativePath.includes('\0')) throw new PathSecurityError(relativePath, 'nul');
  if (relativePath.startsWith('/') || relativePath.startsWith('\\') || DRIVE_LETTER.test(relativePath)) {
    throw new PathSecurityError(relativePath, 'absolute');
  }
  if (relativePath.split(/[\\/]/).some((segment) => segment === '..')) {
    throw new PathSecurityError(relativePath, 'parent-segment');
  }
  return relativePath.split('/').filter((segment) => segment !== '' && segment !== '.');
}

/** True when `candidate` is `root` or below it; both must be absolute and normalized. */
export function isInsideRoot(root: string, candidate: string): boolean {
  if (candidate === root) return true;
  const prefix = root.endsWith(path.sep) ? root : `${root}${path.sep}`;
  return candidate.startsWith(prefix);
}

/** The absolute path of validated segments under `root`, without touching the file system. */
export function joinUnderRoot(root: string, segments: readonly string[]): string {
  return segments.length === 0 ? root : path.join(root, ...segments);
}

/**
 * The storage-relative path (`/`-separated, `''` for the root itself) of an absolute path under
 * `root`; a `PathSecurityError` when it is not absolute or not under the root. Purely lexical:
 * `..` in the absolute path is normalized first, symbolic links are not followed.
 */
export function toStoragePath(root: string, absolutePath: string): string {
  if (absolutePath.includes('\0')) throw new PathSecurityError(absolutePath, 'nul');
  if (!path.isAbsolute(absolutePath)) throw new PathSecurityError(absolutePath, 'not-absolute');
  const normalizedRoot = stripTrailingSeparator(path.normalize(root));
  const normalized = stripTrailingSeparator(path.normalize(absolutePath));
  if (!isInsideRoot(normalizedRoot, normalized)) {
    throw new PathSecurityError(absolutePath, 'outside-root', `the storage root is ${normalizedRoot}`);
  }
  return path.relative(normalizedRoot, normalized).split(path.sep).join('/');
}

function stripTrailingSeparator(value: string): string {
  return value.length > 1 && value.endsWith(path.sep) ? value.slice(0, -1) : value;
}
