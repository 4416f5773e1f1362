// Paths of held removals as the scanner keys them (folder + name), and the opaque cursor of the
// removals list (the last path of a page, base64url) — pure, unit-tested.
import { storagePathProblem } from '@portico/control-plane-client';

export interface PathKey {
  readonly dir: string;
  readonly name: string;
}

/** "a/b/c.mov" → { dir: "a/b", name: "c.mov" }; a file at the root has dir "". */
export function splitStoragePath(path: string): PathKey {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? { dir: '', name: path } : { dir: path.slice(0, slash), name: path.slice(slash + 1) };
}

export function joinStoragePath(key: PathKey): string {
  return key.dir === '' ? key.name : `${key.dir}/${key.name}`;
}

export function encodeRemovalCursor(path: string): string {
  return Buffer.from(path, 'utf8').toString('base64url');
}

/** The path a cursor of this list stands for, or undefined when it is not one it returned. */
export function decodeRemovalCursor(cursor: string): string | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) return undefined;
  const path = Buffer.from(cursor, 'base64url').toString('utf8');
  if (encodeRemovalCursor(path) !== cursor) return undefined;
  return storagePathProblem(path) === undefined ? path : undefined;
}
