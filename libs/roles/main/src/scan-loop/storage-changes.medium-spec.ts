// The leader's storage watch on real folders: the root first, then a scan's folders; what it
// could not watch is logged once.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FsStorageWatcher } from '@portico/storage';
import { waitFor } from '@portico/testing';

import { StorageChanges } from './storage-changes';

interface Line {
  level: 'info' | 'warn';
  fields: object;
  message: string;
}

let root: string;
let lines: Line[];
let changes: number;
let watch: StorageChanges;

function open(maxWatches: number, storageRoot = root): StorageChanges {
  return new StorageChanges({
    watcher: new FsStorageWatcher(),
    root: storageRoot,
    maxWatches,
    onChange: () => (changes += 1),
    logger: {
      info: (fields, message) => lines.push({ level: 'info', fields, message }),
      warn: (fields, message) => lines.push({ level: 'warn', fields, message }),
    },
  });
}

beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), 'portico-changes-'));
  for (const dir of ['a/deep', 'b', 'c']) mkdirSync(path.join(root, dir), { recursive: true });
  lines = [];
  changes = 0;
});
afterEach(() => {
  watch.close();
  rmSync(root, { recursive: true, force: true });
});

it('watches the root at once, then the folders a scan recorded', async () => {
  watch = open(100);
  await watch.start([]);
  writeFileSync(path.join(root, 'x.mov'), 'x');
  await waitFor(() => changes > 0, { description: 'a change at the root' });

  const folders = watch.recorder();
  for (const dir of ['a', 'a/deep', 'b', 'c']) folders.add(dir);
  await watch.refresh(folders, []);
  const before = changes;
  writeFileSync(path.join(root, 'a/deep/y.mov'), 'x');
  await waitFor(() => changes > before, { description: 'a change two folders down' });
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatchObject({ level: 'info', fields: { root, watched: 1 } });
  expect(lines[0]!.message).toContain('watching the storage for changes');
});

it('warns once, naming how many folders are beyond the cap', async () => {
  watch = open(3);
  await watch.start([]);
  for (let scan = 0; scan < 2; scan++) {
    const folders = watch.recorder();
    for (const dir of ['a', 'a/deep', 'b', 'c']) folders.add(dir);
    await watch.refresh(folders, []);
  }
  const warnings = lines.filter((line) => line.level === 'warn');
  expect(warnings).toHaveLength(1);
  expect(warnings[0]!.fields).toEqual({ root, watched: 3, unwatched: 2, maxWatches: 3 });
  expect(warnings[0]!.message).toMatch(/^2 folders of .* are not watched \(at most 3 are, the shallowest\)/);
});

it('warns once when the storage cannot be watched, and never after close()', async () => {
  watch = open(100, path.join(root, 'not-mounted'));
  await watch.start([]);
  await watch.refresh(watch.recorder(), []);
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatchObject({ level: 'warn', fields: { watched: 0, code: 'ENOENT' } });
  expect(lines[0]!.message).toContain('cannot be watched for changes');
  watch.close();
  await watch.start([]);
  expect(lines).toHaveLength(1);
});
