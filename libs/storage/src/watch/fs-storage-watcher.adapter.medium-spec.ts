// The node:fs watcher on real folders in a temp dir (real inotify on Linux).
//
// "Nothing was reported" is proven without sleeping: a control watch on another folder shares
// the process's one inotify queue, which delivers events in the order they happened. A change
// made after the act under test is seen by the control watch only after every event of the act
// was dispatched, and the coalesced callbacks run in the same order.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { ensureCommands, waitFor } from '@portico/testing';

import { FsStorageWatcher } from './fs-storage-watcher.adapter';
import type { StorageWatch, WatchOptions } from './storage-watcher';

const IGNORE = ['.DS_Store', '._*', 'Thumbs.db', '*.tmp', '.portico'];
const LOADER = path.join(__dirname, '..', 'walk', 'walk-loader.cjs');
const watcher = new FsStorageWatcher();

interface Watched {
  readonly watch: StorageWatch;
  readonly root: string;
  changes: number;
}

let base: string;
let open: Watched[] = [];
let control: Watched;
let marks = 0;

beforeEach(async () => {
  base = mkdtempSync(path.join(tmpdir(), 'portico-watch-'));
  open = [];
  control = start(folder('control'));
  await control.watch.ready;
});

afterEach(() => {
  for (const watched of open) watched.watch.close();
  rmSync(base, { recursive: true, force: true });
});

/** A folder under this test's temp dir, with sub-folders. */
function folder(name: string, subfolders: readonly string[] = []): string {
  const root = path.join(base, name);
  mkdirSync(root, { recursive: true });
  for (const sub of subfolders) mkdirSync(path.join(root, sub), { recursive: true });
  return root;
}

function start(root: string, options: Partial<WatchOptions> = {}): Watched {
  const watched: Watched = {
    root,
    changes: 0,
    watch: watcher.watch({
      root,
      ignorePatterns: IGNORE,
      onChange: () => (watched.changes += 1),
      ...options,
    }),
  };
  open.push(watched);
  return watched;
}

async function expectReported(watched: Watched, act: () => void, description: string): Promise<void> {
  const before = watched.changes;
  act();
  await waitFor(() => watched.changes > before, { description, timeoutMs: 5000 });
}

/** Acts, then proves `watched` reported nothing for it (see the header). */
async function expectQuiet(watched: Watched, act: () => void): Promise<void> {
  const before = watched.changes;
  act();
  const seen = control.changes;
  writeFileSync(path.join(control.root, `mark-${(marks += 1)}`), '');
  await waitFor(() => control.changes > seen, {
    description: 'the control watch reports its mark',
    timeoutMs: 5000,
  });
  await nextTurn();
  expect(watched.changes).toBe(before);
}

it('reports a file created at the root, in a watched folder, and a folder appearing in a watched one', async () => {
  const root = folder('storage', ['shows/ep1']);
  const watched = start(root, { directories: ['shows', 'shows/ep1'] });
  expect(await watched.watch.ready).toEqual({ watched: 3, unwatched: 0, skipped: 0, problem: null });

  await expectReported(watched, () => writeFileSync(path.join(root, 'a.mov'), 'x'), 'a file at the root');
  await expectReported(
    watched,
    () => writeFileSync(path.join(root, 'shows/ep1/b.mxf'), 'x'),
    'a file two folders down',
  );
  await expectReported(
    watched,
    () => mkdirSync(path.join(root, 'shows/ep2')),
    'a new folder in a watched one',
  );
  await expectReported(
    watched,
    () => writeFileSync(path.join(root, 'shows/ep1/b.mxf'), 'more'),
    'a file rewritten',
  );
});

it('reports a whole folder of files moved into the root with one rename', async () => {
  const root = folder('storage');
  const staging = folder('staging', ['incoming/d0', 'incoming/d1']);
  for (let index = 0; index < 200; index++)
    writeFileSync(path.join(staging, `incoming/d${index % 2}/f${index}.bin`), String(index));
  const watched = start(root);
  await watched.watch.ready;

  await expectReported(
    watched,
    () => renameSync(path.join(staging, 'incoming'), path.join(root, 'incoming')),
    'the renamed folder',
  );
  // One event, one callback: the caller's scan finds the 200 files.
  await expectQuiet(watched, () => undefined);
  expect(watched.changes).toBe(1);
});

it("never reports the health check's probes in .portico/ nor names the ignore patterns match", async () => {
  const root = folder('storage', ['shows']);
  // Even with no ignore pattern at all: the root's .portico folder is Portico's own.
  const bare = start(root, { directories: ['shows'], ignorePatterns: [] });
  const watched = start(root, { directories: ['shows'] });
  await Promise.all([bare.watch.ready, watched.watch.ready]);

  await expectQuiet(bare, () => {
    mkdirSync(path.join(root, '.portico'));
    for (let probe = 0; probe < 3; probe++) {
      const file = path.join(root, '.portico', `probe-${probe}`);
      writeFileSync(file, 'probe');
      unlinkSync(file);
    }
  });
  await expectQuiet(watched, () => {
    writeFileSync(path.join(root, 'upload.mov.tmp'), 'partial');
    writeFileSync(path.join(root, 'shows/.DS_Store'), 'finder');
    writeFileSync(path.join(root, 'shows/._a.mov'), 'resource fork');
    rmSync(path.join(root, 'shows/._a.mov'));
  });
  // The rename that finishes the upload is a change: its new name is not ignored.
  await expectReported(
    watched,
    () => renameSync(path.join(root, 'upload.mov.tmp'), path.join(root, 'upload.mov')),
    'the finished upload',
  );
});

it('watches the shallowest folders up to the cap and counts the others', async () => {
  const dirs = ['a', 'a/1', 'a/1/x', 'b', 'b/2'];
  const root = folder('storage', dirs);
  const watched = start(root, { directories: dirs, maxWatches: 3 });
  expect(await watched.watch.ready).toEqual({ watched: 3, unwatched: 3, skipped: 0, problem: null });

  await expectQuiet(watched, () => writeFileSync(path.join(root, 'a/1/x/deep.mov'), 'x'));
  await expectQuiet(watched, () => writeFileSync(path.join(root, 'b/2/deep.mov'), 'x'));
  await expectReported(watched, () => writeFileSync(path.join(root, 'b/shallow.mov'), 'x'), 'a file in b');
});

it('keeps working when a watched folder is removed, and skips it at the next update', async () => {
  const root = folder('storage', ['a/inner', 'b']);
  const watched = start(root, { directories: ['a', 'a/inner', 'b'] });
  expect((await watched.watch.ready).watched).toBe(4);

  await expectReported(watched, () => rmSync(path.join(root, 'a'), { recursive: true }), 'the removal');
  await expectReported(watched, () => writeFileSync(path.join(root, 'b/c.mov'), 'x'), 'a file in b');
  // The caller still names the removed folders (the last scan saw them): they are skipped.
  expect(await watched.watch.update(['a', 'a/inner', 'b'], IGNORE)).toEqual({
    watched: 2,
    unwatched: 0,
    skipped: 2,
    problem: null,
  });
  await expectReported(watched, () => writeFileSync(path.join(root, 'd.mov'), 'x'), 'a file at the root');
});

it('releases the folders an update no longer names and watches the new ones', async () => {
  const root = folder('storage', ['a', 'b']);
  const watched = start(root, { directories: ['a'] });
  await watched.watch.ready;
  expect(await watched.watch.update(['b'], IGNORE)).toEqual({
    watched: 2,
    unwatched: 0,
    skipped: 0,
    problem: null,
  });

  await expectQuiet(watched, () => writeFileSync(path.join(root, 'a/old.mov'), 'x'));
  await expectReported(watched, () => writeFileSync(path.join(root, 'b/new.mov'), 'x'), 'a file in b');
});

it('reports nothing after close()', async () => {
  const root = folder('storage', ['a']);
  const watched = start(root, { directories: ['a'] });
  await watched.watch.ready;
  watched.watch.close();

  await expectQuiet(watched, () => {
    writeFileSync(path.join(root, 'x.mov'), 'x');
    writeFileSync(path.join(root, 'a/y.mov'), 'x');
    mkdirSync(path.join(root, 'c'));
  });
  expect(await watched.watch.update(['a'], IGNORE)).toMatchObject({ watched: 0 });
});

it('says the root cannot be watched when it is missing', async () => {
  const watched = start(path.join(base, 'not-mounted'), { directories: ['a'] });
  const report = await watched.watch.ready;
  expect(report).toMatchObject({
    watched: 0,
    unwatched: 1,
    problem: { reason: 'unavailable', code: 'ENOENT' },
  });
  expect(report.problem!.message).toContain('scans run every scan_interval_seconds only');
});

it('degrades to interval scans with one clear warning when no inotify instance can be opened', async () => {
  ensureCommands([{ command: 'prlimit', debianPackage: 'util-linux' }]);
  const root = folder('storage', ['a']);
  // A fresh process (no inotify instance yet) whose file descriptors are all taken: inotify_init
  // fails with EMFILE, as it does when fs.inotify.max_user_instances is reached.
  const code = `
    const { loadFile } = require(${JSON.stringify(LOADER)});
    const { FsStorageWatcher } = loadFile(${JSON.stringify(path.join(__dirname, 'fs-storage-watcher.adapter.ts'))});
    const { openSync } = require('node:fs');
    const held = [];
    try { for (;;) held.push(openSync('/dev/null', 'r')); } catch (error) { if (error.code !== 'EMFILE') throw error; }
    const watch = new FsStorageWatcher().watch({ root: process.argv[1], directories: ['a'], ignorePatterns: [], onChange() {} });
    watch.ready.then((report) => { process.stdout.write(JSON.stringify(report)); watch.close(); process.exit(0); });`;
  const child = spawn('prlimit', ['--nofile=256:256', process.execPath, '-e', code, root], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (data: Buffer) => (stdout += data.toString()));
  child.stderr.on('data', (data: Buffer) => (stderr += data.toString()));
  const exitCode = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  expect({ exitCode, stderr }).toEqual({ exitCode: 0, stderr: '' });

  const report = JSON.parse(stdout) as Awaited<StorageWatch['ready']>;
  expect(report).toMatchObject({ watched: 0, unwatched: 1, problem: { reason: 'limit', code: 'EMFILE' } });
  expect(report.problem!.message).toContain(`nothing on ${root} is watched`);
  expect(report.problem!.message).toContain('fs.inotify.max_user_instances');
});
