// Symbolic links are never followed: a link inside the root would make the same file appear at
// two paths (two assets), and a link outside it would let the scan leave the storage. Each link
// is reported with what following it would have meant.
import type { ScanIssue } from './scan-issue';
import { parentOf } from './walk';

/** What resolving the link gave: its target's real path, or the error code of the failure. */
export type LinkResolution =
  { readonly resolved: string } | { readonly error: string; readonly message: string };

/**
 * @param linkPath the link, relative to the root
 * @param target the link's text (readlink), for the message
 * @param rootReal the real path of the storage root
 */
export function symlinkIssue(
  linkPath: string,
  target: string,
  resolution: LinkResolution,
  rootReal: string,
): ScanIssue {
  const link = `symbolic link "${linkPath}" -> "${target}"`;
  if ('error' in resolution) {
    if (resolution.error === 'ELOOP')
      return { path: linkPath, kind: 'symlink-loop', message: `${link} is a cycle of links; not followed` };
    if (resolution.error === 'ENOENT' || resolution.error === 'ENOTDIR')
      return { path: linkPath, kind: 'symlink-broken', message: `${link} points to nothing; not followed` };
    return {
      path: linkPath,
      kind: 'symlink-skipped',
      message: `${link} could not be resolved (${resolution.message}); not followed`,
    };
  }
  const inside = relativeInside(rootReal, resolution.resolved);
  if (inside === undefined) {
    return {
      path: linkPath,
      kind: 'symlink-escape',
      message: `${link} leads outside the storage root (to ${resolution.resolved}); never followed`,
    };
  }
  if (isSameOrAncestor(inside, parentOf(linkPath))) {
    return {
      path: linkPath,
      kind: 'symlink-loop',
      message: `${link} points back to its own folder or an ancestor; not followed`,
    };
  }
  return {
    path: linkPath,
    kind: 'symlink-skipped',
    message: `${link} is not followed: its target "${inside}" is scanned at its own path`,
  };
}

/** `absolute` relative to `root` when it is the root or inside it; undefined otherwise. */
export function relativeInside(root: string, absolute: string): string | undefined {
  if (absolute === root) return '';
  const prefix = root.endsWith('/') ? root : `${root}/`;
  return absolute.startsWith(prefix) ? absolute.slice(prefix.length) : undefined;
}

function isSameOrAncestor(candidate: string, path: string): boolean {
  return candidate === '' || path === candidate || path.startsWith(`${candidate}/`);
}
