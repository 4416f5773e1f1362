// Lists one folder with synchronous calls. It runs in a walker thread (walk-thread.adapter.ts),
// never on the main thread: synchronous lstat is several times faster than the promise API at
// a million files, and a hung NFS call blocks only that thread, not the node's event loop.
//
// The folder is read through one open handle, a few hundred entries at a time, and handed out
// in chunks of `chunkEntries`: a folder of a million files never sits in memory whole. Between
// chunks the generator is suspended (the handle stays open: one per thread).
import {
  type Dir,
  type Dirent,
  lstatSync,
  opendirSync,
  readlinkSync,
  realpathSync,
  type Stats,
} from 'node:fs';

import type { IgnoreMatcher } from './ignore-matcher';
import type { ScanScope } from './scan-scope';
import { ListingFingerprint } from './listing-fingerprint';
import { NameCollisionDetector } from './name-collisions';
import type { ScanIssue } from './scan-issue';
import { type LinkResolution, symlinkIssue } from './symlink-verdict';
import {
  childPath,
  type DirectoryChunk,
  type DirectoryFailure,
  type DirectoryTask,
  type FileColumns,
} from './walk';

export interface ListingContext {
  /** Real path of the storage root. */
  readonly rootReal: string;
  readonly ignore: IgnoreMatcher;
  /** The storage's scan directories: an entry outside them is skipped like an ignored one. */
  readonly inScope?: ScanScope;
  readonly chunkEntries: number;
}

/** Portico's own folder at the root (sentinel, health probes): never part of the catalogue. */
export const PORTICO_FOLDER = '.portico';

const READ_BUFFER_ENTRIES = 256;

export function absolutePath(rootReal: string, relative: string): string {
  return relative === '' ? rootReal : `${rootReal}/${relative}`;
}

export function* listDirectory(task: DirectoryTask, context: ListingContext): Generator<DirectoryChunk> {
  const abs = absolutePath(context.rootReal, task.path);
  const examined = examineFolder(task, context, abs);
  if ('failure' in examined) {
    yield failedChunk(task, examined.failure, examined.issue);
    return;
  }
  const { identity, ancestors } = examined;

  let dir: Dir;
  try {
    dir = opendirSync(abs, { bufferSize: READ_BUFFER_ENTRIES });
  } catch (error) {
    yield failedChunk(task, folderFailure(task.path, error), undefined, identity, ancestors);
    return;
  }
  const collisions = new NameCollisionDetector(task.path);
  let part = 0;
  let chunk = emptyChunk(task.path, identity, ancestors);
  /** The next entry, or null at the end, or undefined when the listing broke off (noted in the chunk). */
  const readNext = (): Dirent | null | undefined => {
    try {
      return dir.readSync();
    } catch (error) {
      // The listing broke off half-way (an I/O error): what was read is kept, but the folder's
      // listing is incomplete, so nothing in it may be taken for removed.
      chunk.issues.push({
        path: task.path,
        kind: 'unreadable',
        message: `listing folder "${task.path || '/'}" failed part-way: ${describe(error)}`,
      });
      chunk.incomplete = true;
      return undefined;
    }
  };
  try {
    let dirent = readNext();
    while (dirent) {
      addEntry(chunk, dirent.name, dirent, collisions, task.path, abs, context);
      dirent = readNext();
      // A full chunk is sent once the entry after it is read: a folder that ends there is sealed
      // final now, not followed by an empty last chunk (which would cost the scan a transaction).
      if (dirent && chunk.files.names.length + chunk.subdirs.length >= context.chunkEntries) {
        yield seal(chunk, part++, false);
        const incomplete = chunk.incomplete;
        chunk = emptyChunk(task.path, identity, ancestors);
        chunk.incomplete = incomplete;
      }
    }
  } finally {
    dir.closeSync();
  }
  yield seal(chunk, part, true);
}

function seal(chunk: MutableChunk, part: number, final: boolean): DirectoryChunk {
  const { fingerprint, ...rest } = chunk;
  return { ...rest, fingerprint: fingerprint.value(), part, final };
}

interface MutableChunk {
  dir: string;
  identity: string;
  ancestors: readonly string[];
  files: FileColumns;
  fingerprint: ListingFingerprint;
  subdirs: string[];
  issues: ScanIssue[];
  ignored: number;
  incomplete: boolean;
}

function emptyChunk(dir: string, identity: string, ancestors: readonly string[]): MutableChunk {
  return {
    dir,
    identity,
    ancestors,
    files: { names: [], sizes: [], mtimesMs: [], inodes: [], devs: [] },
    fingerprint: new ListingFingerprint(),
    subdirs: [],
    issues: [],
    ignored: 0,
    incomplete: false,
  };
}

type Examined =
  { identity: string; ancestors: readonly string[] } | { failure: DirectoryFailure; issue?: ScanIssue };

/**
 * Before listing: the folder is still a folder, is not one of its ancestors (a bind-mount loop),
 * and its real path is its path under the root (no component was replaced by a symlink since
 * its parent was listed).
 */
function examineFolder(task: DirectoryTask, context: ListingContext, abs: string): Examined {
  let stats: Stats;
  try {
    stats = lstatSync(abs);
  } catch (error) {
    return { failure: folderFailure(task.path, error) };
  }
  if (stats.isSymbolicLink() || !stats.isDirectory()) {
    return {
      failure: {
        kind: 'gone',
        message: `"${task.path}" is no longer a folder (it became a ${stats.isSymbolicLink() ? 'symbolic link' : 'file'})`,
      },
    };
  }
  const identity = `${stats.dev}:${stats.ino}`;
  const ancestors = task.ancestors ?? ancestorIdentities(task.path, context.rootReal);
  if (ancestors.includes(identity)) {
    const message = `folder "${task.path}" is one of its own ancestors (a bind mount loop?); its subtree is skipped`;
    return {
      failure: { kind: 'loop', message },
      issue: { path: task.path, kind: 'directory-loop', message },
    };
  }
  let real: string;
  try {
    real = realpathSync.native(abs);
  } catch (error) {
    return { failure: folderFailure(task.path, error) };
  }
  if (real !== abs) {
    const message =
      `folder "${task.path}" now resolves to ${real}, outside its place under the storage root ` +
      '(a path component became a symbolic link); it is not listed';
    return {
      failure: { kind: 'escaped', message },
      issue: { path: task.path, kind: 'path-changed', message },
    };
  }
  return { identity, ancestors };
}

/** Identities of the root and every folder between it and `path` (exclusive). */
function ancestorIdentities(path: string, rootReal: string): string[] {
  if (path === '') return [];
  const parts = path.split('/');
  const identities: string[] = [];
  for (let depth = 0; depth < parts.length; depth++) {
    const stats = lstatSync(absolutePath(rootReal, parts.slice(0, depth).join('/')));
    identities.push(`${stats.dev}:${stats.ino}`);
  }
  return identities;
}

function addEntry(
  chunk: MutableChunk,
  name: string,
  dirent: Dirent,
  collisions: NameCollisionDetector,
  dir: string,
  dirAbs: string,
  context: ListingContext,
): void {
  if (dir === '' && name === PORTICO_FOLDER) return;
  const rel = childPath(dir, name);
  if (context.ignore(name, rel) || (context.inScope && !context.inScope(rel, dirent.isDirectory()))) {
    chunk.ignored += 1;
    return;
  }
  const abs = `${dirAbs}/${name}`;
  if (name.includes('\uFFFD') && !exists(abs)) {
    chunk.issues.push({
      path: rel,
      kind: 'undecodable-name',
      message:
        `an entry of "${dir || '/'}" has a name that is not valid UTF-8 (shown as "${name}"); ` +
        'it cannot be catalogued: rename it with UTF-8 characters',
    });
    return;
  }
  const collision = collisions.add(name);
  if (collision) chunk.issues.push(collision);

  if (dirent.isDirectory()) {
    chunk.subdirs.push(name);
    return;
  }
  if (dirent.isSymbolicLink()) {
    chunk.issues.push(linkIssue(rel, abs, context.rootReal));
    return;
  }
  if (!dirent.isFile()) {
    chunk.issues.push(specialFile(rel));
    return;
  }
  let stats: Stats;
  try {
    stats = lstatSync(abs);
  } catch (error) {
    if (codeOf(error) === 'ENOENT') return; // removed since the folder was read: gone
    chunk.issues.push({
      path: rel,
      kind: 'stat-failed',
      message: `could not examine "${rel}": ${describe(error)}`,
    });
    chunk.incomplete = true;
    return;
  }
  // The entry may have changed type since the folder was read.
  if (stats.isDirectory()) chunk.subdirs.push(name);
  else if (stats.isSymbolicLink()) chunk.issues.push(linkIssue(rel, abs, context.rootReal));
  else if (!stats.isFile()) chunk.issues.push(specialFile(rel));
  else {
    const files = chunk.files;
    const inode = Number.isSafeInteger(stats.ino) ? String(stats.ino) : exactInode(abs, stats.ino);
    files.names.push(name);
    files.sizes.push(stats.size);
    files.mtimesMs.push(stats.mtimeMs);
    files.inodes.push(inode);
    files.devs.push(stats.dev);
    chunk.fingerprint.add(name, stats.size, stats.mtimeMs, inode);
  }
}

/** Inode numbers above 2^53 lose digits as a JS number: read them again as a bigint. */
function exactInode(abs: string, approximate: number): string {
  try {
    return BigInt.asIntN(64, lstatSync(abs, { bigint: true }).ino).toString();
  } catch {
    return BigInt.asIntN(64, BigInt(approximate)).toString();
  }
}

function linkIssue(rel: string, abs: string, rootReal: string): ScanIssue {
  let target = '?';
  try {
    target = readlinkSync(abs);
  } catch {
    // the link vanished or cannot be read; the resolution below reports why
  }
  let resolution: LinkResolution;
  try {
    resolution = { resolved: realpathSync.native(abs) };
  } catch (error) {
    resolution = { error: codeOf(error) ?? 'UNKNOWN', message: describe(error) };
  }
  return symlinkIssue(rel, target, resolution, rootReal);
}

function specialFile(rel: string): ScanIssue {
  return {
    path: rel,
    kind: 'special-file',
    message: `"${rel}" is a FIFO, socket or device node, not a media file; skipped`,
  };
}

function exists(abs: string): boolean {
  try {
    lstatSync(abs);
    return true;
  } catch {
    return false;
  }
}

function failedChunk(
  task: DirectoryTask,
  failure: DirectoryFailure,
  issue: ScanIssue | undefined,
  identity = '',
  ancestors: readonly string[] = task.ancestors ?? [],
): DirectoryChunk {
  const issues: ScanIssue[] = issue ? [issue] : [];
  if (!issue && failure.kind === 'unreadable')
    issues.push({ path: task.path, kind: 'unreadable', message: failure.message });
  return { ...seal(emptyChunk(task.path, identity, ancestors), 0, true), issues, failure };
}

function folderFailure(path: string, error: unknown): DirectoryFailure {
  const code = codeOf(error);
  const where = `folder "${path || '/'}"`;
  if (code === 'ENOENT' || code === 'ENOTDIR')
    return { kind: 'gone', message: `${where} vanished before it was listed` };
  return {
    kind: 'unreadable',
    message: `${where} could not be listed: ${describe(error)}; its files are left as they are in the index`,
  };
}

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function describe(error: unknown): string {
  switch (codeOf(error)) {
    case 'EACCES':
    case 'EPERM':
      return 'permission denied; give the node read and search (x) access';
    case 'EIO':
    case 'ESTALE':
      return `I/O error (${codeOf(error)}); check the storage server and the mount`;
    default: {
      const message = (error as { message?: unknown } | null)?.message;
      return typeof message === 'string' ? message : String(error);
    }
  }
}
