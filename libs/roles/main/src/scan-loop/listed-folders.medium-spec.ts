// The recording walker around the real walker, on a real tree.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ThreadStorageWalker, walkTree } from '@portico/storage';

import { ListedFolders, RecordingWalker } from './listed-folders';

let root: string;

beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), 'portico-listed-'));
  for (const dir of ['shows/ep1', 'shows/ep2/audio', 'empty', 'cache.tmp/inner', '.portico'])
    mkdirSync(path.join(root, dir), { recursive: true });
  for (let index = 0; index < 30; index++) writeFileSync(path.join(root, `shows/ep1/f${index}.mov`), 'x');
  writeFileSync(path.join(root, '.portico/storage-id'), 'id');
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

it('records every folder the walk lists, without the root, ignored folders or .portico', async () => {
  const folders = new ListedFolders(100);
  const walker = new RecordingWalker(new ThreadStorageWalker(), folders);
  // Chunks of 10 entries: a folder listed in several chunks is recorded once.
  for await (const batch of walkTree(walker, {
    root,
    concurrency: 2,
    ignorePatterns: ['*.tmp'],
    chunkEntries: 10,
  }))
    expect(batch.length).toBeGreaterThan(0);
  expect(folders.paths().sort()).toEqual(['empty', 'shows', 'shows/ep1', 'shows/ep2', 'shows/ep2/audio']);
  expect(folders.dropped).toBe(0);
});

it('keeps the shallowest folders of the walk under its limit', async () => {
  const folders = new ListedFolders(2);
  const walker = new RecordingWalker(new ThreadStorageWalker(), folders);
  for await (const batch of walkTree(walker, { root, concurrency: 2, ignorePatterns: [] }))
    expect(batch).toBeDefined();
  // 7 folders (with cache.tmp/ and its sub-folder: no pattern ignores them here), 2 kept, both at depth 1.
  const kept = folders.paths();
  expect(kept).toHaveLength(2);
  for (const dir of kept) expect(['cache.tmp', 'empty', 'shows']).toContain(dir);
  expect(folders.dropped).toBe(5);
});
