// The scan diff (pure): what the files of one batch mean for the index, compared on
// (path, size, mtime, inode).
//
//   new        no row at the path, and no row that left its path with this inode and size
//   modified   a row at the path with another size, mtime or inode: a new version
//   moved      no row at the path, but a row elsewhere with the same inode and size whose path is
//              gone (or holds another inode now): the row, and the asset, follow the file
//   missing    a row of a folder listed whole in the batch, with no file: a removal candidate
//   unchanged  the same version
//
// A version is ready for ingest once it has been seen unchanged for the growing-files threshold,
// timed from when it was first seen (database clock); zero-byte versions become 'empty'.
import type { PathProbe } from '@portico/storage';

import type { ScanChange } from './scan-sink';

export type FileStatus = 'settling' | 'ingested' | 'empty';

export interface PathKey {
  readonly dir: string;
  readonly name: string;
}

/** A regular file as the walk found it. */
export interface ListedFile extends PathKey {
  readonly size: number;
  readonly mtimeMs: number;
  readonly inode: string;
}

/** A row of the file index. */
export interface IndexedFile extends ListedFile {
  readonly status: FileStatus;
  /** When this version was first seen, on the database clock. */
  readonly versionSeenAtMs: number;
  /** Some version of this path was handed to the catalogue. */
  readonly handedOff: boolean;
}

/**
 * A file of the batch with the row at its path, a file with no row, or a row of a folder listed
 * whole in the batch with no file. Pairs that are unchanged and settled may be left out (the
 * index query leaves them out): they would be classified unchanged.
 */
export interface DiffPair {
  readonly file?: ListedFile;
  readonly row?: IndexedFile;
}

export interface DiffInput {
  readonly pairs: readonly DiffPair[];
  /** Rows at other paths sharing the inode and size of a file that has no row at its path. */
  readonly moveSources: readonly IndexedFile[];
  /** What is at each move source's path now, by path. */
  readonly probes: ReadonlyMap<string, PathProbe>;
  /** The database clock when the rows were read. */
  readonly nowMs: number;
  /** growing_files_threshold_seconds, in ms. */
  readonly settleMs: number;
}

/** The new state of a row (or of a new row). */
export interface RowState extends ListedFile {
  readonly status: FileStatus;
  /** The version changed: version_seen_at becomes now. */
  readonly newVersion: boolean;
  readonly handedOff: boolean;
}

export interface RowUpdate {
  readonly from: PathKey;
  readonly to: RowState;
}

export interface DiffCounts {
  new: number;
  modified: number;
  moved: number;
  ready: number;
  missing: number;
  unchanged: number;
  settling: number;
}

export interface DiffResult {
  readonly inserts: RowState[];
  readonly updates: RowUpdate[];
  /** Rows whose file is gone: removal candidates. */
  readonly missing: PathKey[];
  /** Old paths of moved rows (a removal candidate recorded for one of them is void). */
  readonly movedFrom: PathKey[];
  /** For the sink, in the order to apply them. */
  readonly changes: ScanChange[];
  readonly counts: DiffCounts;
  /** The earliest first-seen time of a version left settling, or null: when the next is due. */
  readonly earliestSettlingMs: number | null;
  /** Folders left with a settling or a missing row: their listing does not describe their rows. */
  readonly unsettledDirs: ReadonlySet<string>;
  /**
   * Set by diffInitial: every file of the batch is a new row, settling or (ready) handed over,
   * `inserts` stays empty and the rows are written from the batch's columns.
   */
  readonly allNew?: { readonly ready: boolean };
}

export function pathOf(key: PathKey): string {
  return key.dir === '' ? key.name : `${key.dir}/${key.name}`;
}

export function sameVersion(file: ListedFile, row: ListedFile): boolean {
  return file.size === row.size && file.mtimeMs === row.mtimeMs && file.inode === row.inode;
}

/** Unchanged and settled: nothing to do. The index query filters these pairs out on its side. */
export function isSettledUnchanged(file: ListedFile, row: IndexedFile): boolean {
  return row.status !== 'settling' && sameVersion(file, row);
}

function emptyCounts(): DiffCounts {
  return { new: 0, modified: 0, moved: 0, ready: 0, missing: 0, unchanged: 0, settling: 0 };
}

class DiffBuilder {
  readonly inserts: RowState[] = [];
  readonly updates: RowUpdate[] = [];
  readonly missing: PathKey[] = [];
  readonly movedFrom: PathKey[] = [];
  readonly changes: ScanChange[] = [];
  readonly counts = emptyCounts();
  readonly unsettledDirs = new Set<string>();
  earliestSettlingMs: number | null = null;

  constructor(
    private readonly nowMs: number,
    private readonly settleMs: number,
  ) {}

  /**
   * The row state of a version first seen at `seenAtMs`: ready once it has been seen for the
   * threshold (a new version is seen now, so it is ready at once only with a threshold of 0).
   * Records the ingest change when it becomes ready.
   */
  settle(file: ListedFile, seenAtMs: number, newVersion: boolean, handedOff: boolean): RowState {
    if (this.nowMs - seenAtMs < this.settleMs) {
      this.counts.settling += 1;
      this.unsettledDirs.add(file.dir);
      if (this.earliestSettlingMs === null || seenAtMs < this.earliestSettlingMs)
        this.earliestSettlingMs = seenAtMs;
      return rowState(file, 'settling', newVersion, handedOff);
    }
    this.counts.ready += 1;
    const empty = file.size === 0;
    this.changes.push({
      kind: 'ingest',
      path: pathOf(file),
      size: file.size,
      mtimeMs: file.mtimeMs,
      inode: file.inode,
      empty,
      reason: handedOff ? 'modified' : 'new',
    });
    return rowState(file, empty ? 'empty' : 'ingested', newVersion, true);
  }

  result(): DiffResult {
    return {
      inserts: this.inserts,
      updates: this.updates,
      missing: this.missing,
      movedFrom: this.movedFrom,
      changes: this.changes,
      counts: this.counts,
      earliestSettlingMs: this.earliestSettlingMs,
      unsettledDirs: this.unsettledDirs,
    };
  }
}

function key(entry: PathKey): PathKey {
  return { dir: entry.dir, name: entry.name };
}

function rowState(file: ListedFile, status: FileStatus, newVersion: boolean, handedOff: boolean): RowState {
  return {
    dir: file.dir,
    name: file.name,
    size: file.size,
    mtimeMs: file.mtimeMs,
    inode: file.inode,
    status,
    newVersion,
    handedOff,
  };
}

export function diffBatch(input: DiffInput): DiffResult {
  const out = new DiffBuilder(input.nowMs, input.settleMs);

  // A row is a move source only if no file of the batch stands at its own path (that file is a
  // new version of the row), and only once.
  const presentPaths = new Set<string>();
  for (const pair of input.pairs) if (pair.file) presentPaths.add(pathOf(pair.file));
  const sourcesByInode = new Map<string, IndexedFile[]>();
  for (const source of input.moveSources) {
    if (presentPaths.has(pathOf(source))) continue;
    const list = sourcesByInode.get(source.inode);
    if (list) list.push(source);
    else sourcesByInode.set(source.inode, [source]);
  }
  const claimed = new Set<string>();

  const findSource = (file: ListedFile): IndexedFile | undefined =>
    sourcesByInode.get(file.inode)?.find((source) => {
      const path = pathOf(source);
      if (claimed.has(path) || source.size !== file.size || path === pathOf(file)) return false;
      const probe = input.probes.get(path);
      // The old path must have lost this inode; a probe that failed proves nothing.
      return probe?.state === 'missing' || (probe?.state === 'present' && probe.inode !== source.inode);
    });

  for (const { file, row } of input.pairs) {
    if (!file) continue;
    if (row) {
      if (!sameVersion(file, row)) {
        out.counts.modified += 1;
        out.updates.push({ from: key(row), to: out.settle(file, input.nowMs, true, row.handedOff) });
      } else if (row.status === 'settling') {
        const state = out.settle(file, row.versionSeenAtMs, false, row.handedOff);
        if (state.status !== 'settling') out.updates.push({ from: key(row), to: state });
      } else {
        out.counts.unchanged += 1;
      }
      continue;
    }
    const source = findSource(file);
    if (!source) {
      out.counts.new += 1;
      out.inserts.push(out.settle(file, input.nowMs, true, false));
      continue;
    }
    claimed.add(pathOf(source));
    out.counts.moved += 1;
    out.movedFrom.push(key(source));
    if (source.handedOff) out.changes.push({ kind: 'move', from: pathOf(source), to: pathOf(file) });
    const touched = file.mtimeMs !== source.mtimeMs;
    if (touched) out.counts.modified += 1;
    const state =
      touched || source.status === 'settling'
        ? out.settle(file, touched ? input.nowMs : source.versionSeenAtMs, touched, source.handedOff)
        : rowState(file, source.status, false, source.handedOff);
    out.updates.push({ from: key(source), to: state });
  }

  for (const { file, row } of input.pairs) {
    if (file || !row || claimed.has(pathOf(row))) continue;
    out.counts.missing += 1;
    out.missing.push(key(row));
    out.unsettledDirs.add(row.dir);
  }
  return out.result();
}

/** A batch's files as columns (ScanBatch), with each file's folder as an index into `dirs`. */
export interface FileTable {
  readonly dirs: readonly string[];
  readonly fileDirs: readonly number[];
  readonly names: readonly string[];
  readonly sizes: readonly number[];
  readonly mtimesMs: readonly number[];
  readonly inodes: readonly string[];
}

/**
 * The first scan of an empty index: every file is new, no row can exist at any path, so no
 * lookup is needed; the files are inserted straight from their columns (`allNew`). Same rules
 * as diffBatch for a file with no row and no move source: all are settling, or with a threshold
 * of 0 all are ready.
 */
export function diffInitial(files: FileTable, nowMs: number, settleMs: number): DiffResult {
  const out = new DiffBuilder(nowMs, settleMs);
  const count = files.names.length;
  out.counts.new = count;
  const ready = settleMs <= 0;
  if (!ready) {
    out.counts.settling = count;
    if (count > 0) out.earliestSettlingMs = nowMs;
    for (const index of new Set(files.fileDirs)) out.unsettledDirs.add(files.dirs[index]!);
  } else {
    out.counts.ready = count;
    for (let index = 0; index < count; index++) {
      const dir = files.dirs[files.fileDirs[index]!]!;
      const name = files.names[index]!;
      const size = files.sizes[index]!;
      out.changes.push({
        kind: 'ingest',
        path: dir === '' ? name : `${dir}/${name}`,
        size,
        mtimeMs: files.mtimesMs[index]!,
        inode: files.inodes[index]!,
        empty: size === 0,
        reason: 'new',
      });
    }
  }
  return { ...out.result(), allNew: { ready } };
}
