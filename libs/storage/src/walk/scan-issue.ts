// Problems the walker meets on the storage. None of them stops a scan: each is reported with the
// path it concerns, and the scanner decides what it means for the index (e.g. no removals under
// a folder it could not read).

export type ScanIssueKind =
  /** A folder could not be listed (permissions, I/O error); its subtree was skipped. */
  | 'unreadable'
  /** An entry of a listed folder could not be examined (lstat failed); it was skipped. */
  | 'stat-failed'
  /** A folder is the same folder (device + inode) as one of its ancestors (bind mount loop). */
  | 'directory-loop'
  /** A folder's real path no longer is its path under the root (a component became a symlink). */
  | 'path-changed'
  /** A symbolic link to a target inside the root: not followed, the target is scanned at its own path. */
  | 'symlink-skipped'
  /** A symbolic link to a target outside the storage root: never followed. */
  | 'symlink-escape'
  /** A symbolic link to one of its own ancestors, or a cycle of links: never followed. */
  | 'symlink-loop'
  /** A symbolic link whose target does not exist. */
  | 'symlink-broken'
  /** A FIFO, socket or device node: not a media file. */
  | 'special-file'
  /** Two names of one folder that differ only by Unicode normalization (NFC vs NFD). */
  | 'unicode-collision'
  /** Two names of one folder that differ only by letter case. */
  | 'case-collision'
  /** A name that is not valid UTF-8: it cannot be addressed by a path string. */
  | 'undecodable-name';

export interface ScanIssue {
  /** Relative to the storage root, as the file system returned it ('' is the root). */
  readonly path: string;
  readonly kind: ScanIssueKind;
  /** What happened and what the operator can do about it. */
  readonly message: string;
}
