// The benchmark's storage tree: nested folders of small files, generated once and reused.
//   <top 000..N>/<sub 0..9>/clip-00..98.mov   (1 to 64 bytes each)
// 1,000 top folders give 990,000 files + 11,000 folders = 1,001,000 entries; --quick uses 100.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const SUBFOLDERS = 10;
export const FILES_PER_FOLDER = 99;

export interface Tree {
  readonly root: string;
  readonly files: number;
  readonly folders: number;
  readonly entries: number;
}

/** Writes files of top folders [from, to) with synchronous calls: the fastest way from Node. */
const WRITER = `
const fs = require('node:fs');
const path = require('node:path');
const [root, from, to, subfolders, files] = process.argv.slice(1);
const content = Buffer.alloc(64, 120);
for (let top = Number(from); top < Number(to); top++) {
  for (let sub = 0; sub < Number(subfolders); sub++) {
    const dir = path.join(root, 't' + String(top).padStart(4, '0'), 's' + sub);
    fs.mkdirSync(dir, { recursive: true });
    for (let file = 0; file < Number(files); file++)
      fs.writeFileSync(path.join(dir, 'clip-' + String(file).padStart(2, '0') + '.mov'), content.subarray(0, ((top + sub + file) % 64) + 1));
  }
}`;

function describe(topFolders: number): Omit<Tree, 'root'> {
  const folders = topFolders * (1 + SUBFOLDERS);
  const files = topFolders * SUBFOLDERS * FILES_PER_FOLDER;
  return { files, folders, entries: files + folders };
}

/**
 * The tree under $TMPDIR/portico-bench-scan/, reused when a previous run completed it (its
 * manifest sits beside it, outside the scanned root).
 */
export async function ensureTree(topFolders: number, log: (message: string) => void): Promise<Tree> {
  const base = path.join(tmpdir(), 'portico-bench-scan');
  const root = path.join(base, `tree-${topFolders}`);
  const manifest = `${root}.json`;
  const expected = describe(topFolders);
  if (existsSync(manifest) && existsSync(root)) {
    const found = JSON.parse(readFileSync(manifest, 'utf8')) as Omit<Tree, 'root'>;
    if (found.files === expected.files && found.folders === expected.folders) {
      log(`reusing the tree at ${root} (${found.entries} entries)`);
      return { root, ...found };
    }
  }
  rmSync(manifest, { force: true });
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
  const started = performance.now();
  log(`generating ${expected.entries} entries at ${root} ...`);
  const writers = 2;
  const share = Math.ceil(topFolders / writers);
  await Promise.all(
    Array.from({ length: writers }, (_, index) => {
      const from = index * share;
      const to = Math.min(topFolders, from + share);
      return run(process.execPath, [
        '-e',
        WRITER,
        root,
        String(from),
        String(to),
        String(SUBFOLDERS),
        String(FILES_PER_FOLDER),
      ]);
    }),
  );
  writeFileSync(manifest, JSON.stringify(expected));
  log(`tree generated in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return { root, ...expected };
}

function run(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (data: Buffer) => (stderr += data.toString()));
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`${command} exited ${code}: ${stderr}`)),
    );
  });
}
