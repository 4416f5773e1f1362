// One batch of the walk, shaped for the index (pure): the files as columns (what the SQL takes),
// which folders were listed whole, which folders are finished and in what state, which
// sub-folders to list next.
import { childPath, type DirectoryChunk, type ScanIssue } from '@portico/storage';

import type { ListedFile } from './scan-diff';

/** The checkpoint state of a finished folder (see migration 0005). */
export type DirState = 'listed' | 'chunked' | 'incomplete' | 'failed' | 'gone';

export interface ScanBatch {
  /** The distinct folders of the batch. */
  readonly dirs: string[];
  /** Listed whole in this batch, every entry examined: rows with no file are missing. */
  readonly wholeDirs: boolean[];
  /** The listing's fingerprint of each folder listed whole, else null. */
  readonly digests: Array<string | null>;
  /** Per file: its folder, as an index into `dirs`. */
  readonly fileDirs: number[];
  readonly names: string[];
  readonly sizes: number[];
  readonly mtimesMs: number[];
  readonly inodes: string[];
  /** Folders finished by this batch. */
  readonly finished: Array<{ path: string; state: DirState }>;
  /** Sub-folders found, with the ancestry the walker needs for loop checks. */
  readonly children: Array<{ path: string; ancestors: string[] }>;
  /**
   * Folders listed in several chunks: each of their files is marked seen by this run, and once
   * the last chunk is in (listing complete) rows not marked are missing.
   */
  readonly chunkedDirs: string[];
  readonly chunkedComplete: string[];
  readonly issues: ScanIssue[];
  readonly ignored: number;
  /** The storage root itself could not be listed. */
  readonly rootFailed: boolean;
}

export function buildBatch(chunks: readonly DirectoryChunk[]): ScanBatch {
  const dirIndex = new Map<string, number>();
  const batch = {
    dirs: [] as string[],
    wholeDirs: [] as boolean[],
    digests: [] as Array<string | null>,
    fileDirs: [] as number[],
    names: [] as string[],
    sizes: [] as number[],
    mtimesMs: [] as number[],
    inodes: [] as string[],
    finished: [] as Array<{ path: string; state: DirState }>,
    children: [] as Array<{ path: string; ancestors: string[] }>,
    chunkedDirs: [] as string[],
    chunkedComplete: [] as string[],
    issues: [] as ScanIssue[],
    ignored: 0,
    rootFailed: false,
  };
  for (const chunk of chunks) {
    let index = dirIndex.get(chunk.dir);
    const whole = chunk.part === 0 && chunk.final && !chunk.incomplete && !chunk.failure;
    const chunked = !(chunk.part === 0 && chunk.final) && !chunk.failure;
    if (index === undefined) {
      index = batch.dirs.length;
      dirIndex.set(chunk.dir, index);
      batch.dirs.push(chunk.dir);
      batch.wholeDirs.push(whole);
      batch.digests.push(whole ? chunk.fingerprint : null);
      if (chunked) batch.chunkedDirs.push(chunk.dir);
    } else if (!whole) {
      batch.wholeDirs[index] = false;
      batch.digests[index] = null;
    }
    const files = chunk.files;
    for (let file = 0; file < files.names.length; file++) {
      batch.fileDirs.push(index);
      batch.names.push(files.names[file]!);
      batch.sizes.push(files.sizes[file]!);
      batch.mtimesMs.push(files.mtimesMs[file]!);
      batch.inodes.push(files.inodes[file]!);
    }
    if (chunk.subdirs.length > 0) {
      const ancestors = [...chunk.ancestors, chunk.identity];
      for (const name of chunk.subdirs) batch.children.push({ path: childPath(chunk.dir, name), ancestors });
    }
    batch.issues.push(...chunk.issues);
    batch.ignored += chunk.ignored;
    if (chunk.final) {
      const state = finishedState(chunk);
      batch.finished.push({ path: chunk.dir, state });
      if (state === 'chunked') batch.chunkedComplete.push(chunk.dir);
      if (chunk.dir === '' && (state === 'failed' || state === 'gone')) batch.rootFailed = true;
    }
  }
  return batch;
}

function finishedState(chunk: DirectoryChunk): DirState {
  if (chunk.failure) return chunk.failure.kind === 'gone' ? 'gone' : 'failed';
  if (chunk.incomplete) return 'incomplete';
  return chunk.part === 0 ? 'listed' : 'chunked';
}

/** The batch without some folders (those a rescan found unchanged). */
export function withoutFolders(batch: ScanBatch, skip: ReadonlySet<string>): ScanBatch {
  const keep: number[] = [];
  const remap = new Map<number, number>();
  batch.dirs.forEach((dir, index) => {
    if (!skip.has(dir)) {
      remap.set(index, keep.length);
      keep.push(index);
    }
  });
  const fileIndex: number[] = [];
  const fileDirs: number[] = [];
  batch.fileDirs.forEach((dirIndex, file) => {
    const kept = remap.get(dirIndex);
    if (kept === undefined) return;
    fileIndex.push(file);
    fileDirs.push(kept);
  });
  const pick = <T>(values: readonly T[]): T[] => fileIndex.map((file) => values[file]!);
  return {
    ...batch,
    dirs: keep.map((index) => batch.dirs[index]!),
    wholeDirs: keep.map((index) => batch.wholeDirs[index]!),
    digests: keep.map((index) => batch.digests[index]!),
    fileDirs,
    names: pick(batch.names),
    sizes: pick(batch.sizes),
    mtimesMs: pick(batch.mtimesMs),
    inodes: pick(batch.inodes),
  };
}

/** The batch's files as objects (for the diff). */
export function listedFile(batch: ScanBatch, index: number): ListedFile {
  return {
    dir: batch.dirs[batch.fileDirs[index]!]!,
    name: batch.names[index]!,
    size: batch.sizes[index]!,
    mtimeMs: batch.mtimesMs[index]!,
    inode: batch.inodes[index]!,
  };
}

export function listedFiles(batch: ScanBatch): ListedFile[] {
  return batch.names.map((_, index) => listedFile(batch, index));
}
