import type { PathProbe } from '@portico/storage';

import {
  diffBatch,
  type DiffInput,
  diffInitial,
  type IndexedFile,
  isSettledUnchanged,
  type ListedFile,
} from './scan-diff';

const NOW = 1_700_000_000_000;
const SETTLE = 10_000;

function file(path: string, size = 100, mtimeMs = 1000.5, inode = '11'): ListedFile {
  const slash = path.lastIndexOf('/');
  return { dir: slash < 0 ? '' : path.slice(0, slash), name: path.slice(slash + 1), size, mtimeMs, inode };
}

function row(listed: ListedFile, extra: Partial<IndexedFile> = {}): IndexedFile {
  return { ...listed, status: 'ingested', versionSeenAtMs: NOW - 60_000, handedOff: true, ...extra };
}

function diff(input: Partial<DiffInput>) {
  return diffBatch({ pairs: [], moveSources: [], probes: new Map(), nowMs: NOW, settleMs: SETTLE, ...input });
}

describe('diffBatch: new files', () => {
  it('inserts a new file as settling, hands nothing over, and says when it is due', () => {
    const result = diff({ pairs: [{ file: file('a/clip.mov') }] });
    expect(result.inserts).toEqual([
      {
        dir: 'a',
        name: 'clip.mov',
        size: 100,
        mtimeMs: 1000.5,
        inode: '11',
        status: 'settling',
        newVersion: true,
        handedOff: false,
      },
    ]);
    expect(result.changes).toEqual([]);
    expect(result.counts).toMatchObject({ new: 1, settling: 1, ready: 0 });
    expect(result.earliestSettlingMs).toBe(NOW);
  });

  it('with a threshold of 0 a new file is ready at once; a zero-byte one is flagged empty', () => {
    const result = diff({
      settleMs: 0,
      pairs: [{ file: file('clip.mov') }, { file: file('blank.mov', 0, 5, '12') }],
    });
    expect(result.inserts.map((insert) => [insert.name, insert.status, insert.handedOff])).toEqual([
      ['clip.mov', 'ingested', true],
      ['blank.mov', 'empty', true],
    ]);
    expect(result.changes).toEqual([
      {
        kind: 'ingest',
        path: 'clip.mov',
        size: 100,
        mtimeMs: 1000.5,
        inode: '11',
        empty: false,
        reason: 'new',
      },
      { kind: 'ingest', path: 'blank.mov', size: 0, mtimeMs: 5, inode: '12', empty: true, reason: 'new' },
    ]);
    expect(result.earliestSettlingMs).toBeNull();
  });
});

describe('diffBatch: known files', () => {
  it('leaves an unchanged, settled file alone', () => {
    const listed = file('a/clip.mov');
    expect(isSettledUnchanged(listed, row(listed))).toBe(true);
    const result = diff({ pairs: [{ file: listed, row: row(listed) }] });
    expect(result).toMatchObject({ inserts: [], updates: [], missing: [], changes: [] });
    expect(result.counts.unchanged).toBe(1);
  });

  it.each([
    ['size', file('a/clip.mov', 101)],
    ['mtime', file('a/clip.mov', 100, 1000.6)],
    ['inode (replaced by rename)', file('a/clip.mov', 100, 1000.5, '99')],
  ])('takes another %s for a new version, settling again', (_what, changed) => {
    const stored = row(file('a/clip.mov'));
    expect(isSettledUnchanged(changed, stored)).toBe(false);
    const result = diff({ pairs: [{ file: changed, row: stored }] });
    expect(result.updates).toHaveLength(1);
    expect(result.updates[0]).toMatchObject({
      from: { dir: 'a', name: 'clip.mov' },
      to: { ...changed, status: 'settling', newVersion: true, handedOff: true },
    });
    expect(result.changes).toEqual([]);
    expect(result.counts).toMatchObject({ modified: 1, settling: 1 });
  });

  it('hands a new version of a known file over as modified once it is stable', () => {
    const listed = file('a/clip.mov', 300);
    const settling = row(listed, { status: 'settling', versionSeenAtMs: NOW - SETTLE });
    const result = diff({ pairs: [{ file: listed, row: settling }] });
    expect(result.updates).toHaveLength(1);
    expect(result.updates[0]).toMatchObject({
      from: { dir: 'a', name: 'clip.mov' },
      to: { status: 'ingested', newVersion: false, handedOff: true },
    });
    expect(result.changes).toEqual([
      expect.objectContaining({ kind: 'ingest', path: 'a/clip.mov', reason: 'modified', empty: false }),
    ]);
  });

  it('hands a first version over as new once stable, and a stable empty file as empty', () => {
    const listed = file('a/blank.mov', 0);
    const settling = row(listed, { status: 'settling', versionSeenAtMs: NOW - SETTLE - 1, handedOff: false });
    const result = diff({ pairs: [{ file: listed, row: settling }] });
    expect(result.updates[0]!.to).toMatchObject({ status: 'empty', handedOff: true });
    expect(result.changes).toEqual([expect.objectContaining({ kind: 'ingest', reason: 'new', empty: true })]);
  });

  it('keeps a growing file settling: not yet stable, or changed again (its clock restarts)', () => {
    const listed = file('a/rec.mxf', 500);
    const young = row(listed, { status: 'settling', versionSeenAtMs: NOW - SETTLE + 1, handedOff: false });
    const waiting = diff({ pairs: [{ file: listed, row: young }] });
    expect(waiting).toMatchObject({ updates: [], changes: [] });
    expect(waiting.earliestSettlingMs).toBe(NOW - SETTLE + 1);

    const grown = diff({
      pairs: [
        {
          file: file('a/rec.mxf', 800),
          row: row(listed, { status: 'settling', versionSeenAtMs: NOW - 3600_000, handedOff: false }),
        },
      ],
    });
    expect(grown.updates[0]!.to).toMatchObject({ size: 800, status: 'settling', newVersion: true });
    expect(grown.changes).toEqual([]);
  });

  it('reports rows of a listed folder that have no file as missing', () => {
    const result = diff({ pairs: [{ row: row(file('a/gone.mov')) }] });
    expect(result.missing).toEqual([{ dir: 'a', name: 'gone.mov' }]);
    expect(result.counts.missing).toBe(1);
  });
});

describe('diffBatch: moves', () => {
  const old = row(file('a/clip.mov', 100, 1000.5, '42'));
  const moved = file('b/clip-final.mov', 100, 1000.5, '42');
  const missing = new Map<string, PathProbe>([['a/clip.mov', { state: 'missing' }]]);

  it('moves the row (and the asset) when the inode and size match and the old path is gone', () => {
    const result = diff({ pairs: [{ file: moved }, { row: old }], moveSources: [old], probes: missing });
    expect(result.updates).toHaveLength(1);
    expect(result.updates[0]).toMatchObject({
      from: { dir: 'a', name: 'clip.mov' },
      to: {
        dir: 'b',
        name: 'clip-final.mov',
        status: 'ingested',
        newVersion: false,
      },
    });
    expect(result.changes).toEqual([{ kind: 'move', from: 'a/clip.mov', to: 'b/clip-final.mov' }]);
    expect(result.inserts).toEqual([]);
    expect(result.missing).toEqual([]); // the old row was claimed by the move
    expect(result.movedFrom).toEqual([{ dir: 'a', name: 'clip.mov' }]);
    expect(result.counts).toMatchObject({ moved: 1, new: 0, missing: 0 });
  });

  it('moves when the old path now holds another file', () => {
    const result = diff({
      pairs: [{ file: moved }],
      moveSources: [old],
      probes: new Map([['a/clip.mov', { state: 'present', inode: '77' }]]),
    });
    expect(result.counts.moved).toBe(1);
  });

  it.each<[string, PathProbe | undefined]>([
    ['still there with the same inode (a hard link)', { state: 'present', inode: '42' }],
    ['could not be checked', { state: 'unknown', message: 'EIO' }],
    ['was not probed', undefined],
  ])('takes the file for new when the old path %s', (_case, probe) => {
    const probes = new Map<string, PathProbe>(probe ? [['a/clip.mov', probe]] : []);
    const result = diff({ pairs: [{ file: moved }], moveSources: [old], probes });
    expect(result.counts).toMatchObject({ new: 1, moved: 0 });
    expect(result.updates).toEqual([]);
  });

  it('takes the file for new when the size differs', () => {
    const result = diff({ pairs: [{ file: { ...moved, size: 101 } }], moveSources: [old], probes: missing });
    expect(result.counts).toMatchObject({ new: 1, moved: 0 });
  });

  it('never takes a row whose own path has a file in the batch', () => {
    const result = diff({
      pairs: [{ file: moved }, { file: file('a/clip.mov', 5, 5, '43'), row: old }],
      moveSources: [old],
      probes: missing,
    });
    expect(result.counts).toMatchObject({ new: 1, moved: 0, modified: 1 });
  });

  it('lets one source go to one file only (two new links to one inode)', () => {
    const twin = file('c/clip.mov', 100, 1000.5, '42');
    const result = diff({ pairs: [{ file: moved }, { file: twin }], moveSources: [old], probes: missing });
    expect(result.counts).toMatchObject({ moved: 1, new: 1 });
  });

  it('moves and re-settles a file whose mtime also changed', () => {
    const touched = { ...moved, mtimeMs: 2000 };
    const result = diff({ pairs: [{ file: touched }], moveSources: [old], probes: missing });
    expect(result.changes).toEqual([{ kind: 'move', from: 'a/clip.mov', to: 'b/clip-final.mov' }]);
    expect(result.updates[0]!.to).toMatchObject({ status: 'settling', newVersion: true, handedOff: true });
    expect(result.counts).toMatchObject({ moved: 1, modified: 1 });

    const ready = diff({ settleMs: 0, pairs: [{ file: touched }], moveSources: [old], probes: missing });
    expect(ready.changes).toEqual([
      { kind: 'move', from: 'a/clip.mov', to: 'b/clip-final.mov' },
      expect.objectContaining({ kind: 'ingest', path: 'b/clip-final.mov', reason: 'modified' }),
    ]);
  });

  it('moves a file the catalogue never heard of silently, keeping its settling clock', () => {
    const unsettled = row(file('a/clip.mov', 100, 1000.5, '42'), {
      status: 'settling',
      handedOff: false,
      versionSeenAtMs: NOW - 5,
    });
    const result = diff({ pairs: [{ file: moved }], moveSources: [unsettled], probes: missing });
    expect(result.changes).toEqual([]);
    expect(result.updates[0]!.to).toMatchObject({ status: 'settling', newVersion: false, handedOff: false });
    expect(result.earliestSettlingMs).toBe(NOW - 5);
  });
});

describe('diffInitial', () => {
  const table = {
    dirs: ['', 'a'],
    fileDirs: [0, 1],
    names: ['x.mov', 'blank.mov'],
    sizes: [10, 0],
    mtimesMs: [5, 6],
    inodes: ['1', '2'],
  };

  it('takes every file for new and settling, every folder with a file unsettled', () => {
    const result = diffInitial(table, NOW, SETTLE);
    expect(result).toMatchObject({
      allNew: { ready: false },
      inserts: [],
      changes: [],
      earliestSettlingMs: NOW,
    });
    expect(result.counts).toMatchObject({ new: 2, settling: 2, ready: 0 });
    expect([...result.unsettledDirs].sort()).toEqual(['', 'a']);
  });

  it('with a threshold of 0 hands every file over at once, zero-byte ones flagged', () => {
    const result = diffInitial(table, NOW, 0);
    expect(result.allNew).toEqual({ ready: true });
    expect(result.changes).toEqual([
      { kind: 'ingest', path: 'x.mov', size: 10, mtimeMs: 5, inode: '1', empty: false, reason: 'new' },
      { kind: 'ingest', path: 'a/blank.mov', size: 0, mtimeMs: 6, inode: '2', empty: true, reason: 'new' },
    ]);
    expect(result.counts).toMatchObject({ new: 2, ready: 2 });
    expect(result.unsettledDirs.size).toBe(0);
  });
});

describe('diffBatch: unsettled folders', () => {
  it('names the folders left with a settling or a missing row (their listing does not describe their rows)', () => {
    const result = diff({
      pairs: [
        { file: file('growing/a.mov') },
        { file: file('stable/b.mov'), row: row(file('stable/b.mov')) },
        { row: row(file('gone/c.mov')) },
      ],
    });
    expect([...result.unsettledDirs].sort()).toEqual(['gone', 'growing']);
    expect(diff({ settleMs: 0, pairs: [{ file: file('ready/a.mov') }] }).unsettledDirs.size).toBe(0);
  });
});
