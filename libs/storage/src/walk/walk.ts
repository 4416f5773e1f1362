// The walking port: a pool of directory listers the caller feeds with folders and drains in
// batches. The caller owns the frontier (the scanner keeps it in the database so that a new
// leader resumes a scan; walkTree() keeps it in memory), the walker owns the file-system work.
import type { ScanIssue } from './scan-issue';

export interface WalkOptions {
  /** The storage root (this node's mount point). Resolved to its real path once, at open. */
  readonly root: string;
  /** Folders listed in parallel (scanner_concurrency_value). */
  readonly concurrency: number;
  /** Globs (picomatch, dotfiles included) tested against each entry's name and relative path. */
  readonly ignorePatterns: readonly string[];
  /** The storage's scan directories (relative folders); none or empty: the whole storage. */
  readonly scanDirectories?: readonly string[];
  /** A folder with more entries than this is delivered in several chunks. Default 10,000. */
  readonly chunkEntries?: number;
  /**
   * Entries the listers may have delivered and the consumer not yet taken, all listers together
   * (a chunk bigger than a lister's share still goes out alone). Default 20,000.
   */
  readonly bufferEntries?: number;
}

/** A folder to list. */
export interface DirectoryTask {
  /** Relative to the root, '/'-separated, '' for the root itself. */
  readonly path: string;
  /**
   * `dev:ino` of every ancestor folder, root first, when the caller knows them (the chunk of the
   * parent gives them); otherwise the walker examines the ancestors itself.
   */
  readonly ancestors?: readonly string[];
}

/** The regular files of one chunk, as columns (cheap to pass between threads and to SQL). */
export interface FileColumns {
  readonly names: string[];
  readonly sizes: number[];
  readonly mtimesMs: number[];
  /** Decimal; 64-bit inode numbers above 2^63 are given in their signed two's-complement form. */
  readonly inodes: string[];
  readonly devs: number[];
}

export type DirectoryFailureKind =
  /** The folder vanished (or is no longer a folder) before it was listed: its subtree is gone. */
  | 'gone'
  /** The folder exists but could not be listed: its subtree is unknown. */
  | 'unreadable'
  /** The folder loops back to an ancestor. */
  | 'loop'
  /** The folder's real path left its place under the root. */
  | 'escaped';

export interface DirectoryFailure {
  readonly kind: DirectoryFailureKind;
  readonly message: string;
}

/** One folder's listing, or a part of it for a folder bigger than `chunkEntries`. */
export interface DirectoryChunk {
  readonly dir: string;
  /** 0 for the first chunk of the folder. */
  readonly part: number;
  /** The last chunk of the folder: its listing is finished. */
  readonly final: boolean;
  /** `dev:ino` of the folder ('' when it could not be examined). */
  readonly identity: string;
  readonly ancestors: readonly string[];
  readonly files: FileColumns;
  /** Order-independent fingerprint of this chunk's files (see listing-fingerprint.ts). */
  readonly fingerprint: string;
  /** Names of the sub-folders to list (ignored ones excluded). */
  readonly subdirs: string[];
  readonly issues: ScanIssue[];
  /** Entries skipped by the ignore patterns. */
  readonly ignored: number;
  /** Set when the folder could not be listed at all (always a single, final chunk). */
  readonly failure?: DirectoryFailure;
  /** Some entries could not be examined: the listing is not a complete picture of the folder. */
  readonly incomplete: boolean;
}

/** What a probe of one path found now (used to confirm that a file left its old path). */
export type PathProbe =
  | { readonly state: 'missing' }
  | { readonly state: 'present'; readonly inode: string }
  | { readonly state: 'unknown'; readonly message: string };

export interface WalkSession {
  /** Queues folders to list. */
  add(tasks: readonly DirectoryTask[]): void;
  /** Folders queued and not yet handed to a lister. */
  readonly queued: number;
  /**
   * The next chunks, in the order the listers produced them (the parts of one folder in order),
   * about `maxEntries` entries in all (at least one chunk). Waits until `minEntries` (default 1)
   * are buffered or no lister has more to give; resolves null once nothing is queued, listed or
   * buffered. Taking chunks is what lets the listers go on: that is the backpressure.
   */
  next(maxEntries: number, minEntries?: number): Promise<DirectoryChunk[] | null>;
  /** Stops the listers and releases their open folders. */
  close(): Promise<void>;
}

/**
 * Called for each chunk as soon as a lister delivers it, before the consumer takes it: the
 * sub-folders to queue right away (so the listers never wait for the consumer to descend), or
 * null to leave them to the consumer. Must not throw.
 */
export type Descend = (chunk: DirectoryChunk) => readonly DirectoryTask[] | null;

export abstract class StorageWalker {
  abstract open(options: WalkOptions, descend?: Descend): Promise<WalkSession>;
  /** Examines paths relative to `root` (never following a final symlink). */
  abstract probe(root: string, paths: readonly string[]): Promise<PathProbe[]>;
}

export const DEFAULT_CHUNK_ENTRIES = 10_000;
export const DEFAULT_BUFFER_ENTRIES = 20_000;

/** The relative path of `name` inside the folder `dir`. */
export function childPath(dir: string, name: string): string {
  return dir === '' ? name : `${dir}/${name}`;
}

/** The folder part of a relative path ('' for an entry of the root). */
export function parentOf(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? '' : path.slice(0, slash);
}

/** The last component of a relative path. */
export function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}
