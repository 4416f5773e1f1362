// The walker against real folders built by each test in a temp dir: real worker threads, real
// lstat/opendir, real permissions (an unprivileged child process), a real bind-mount loop (in a
// private mount namespace).
import { spawn } from 'node:child_process';
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ensureCommands } from '@portico/testing';

import { type DirectoryChunk, type WalkOptions } from './walk';
import { ThreadStorageWalker } from './thread-walker.adapter';
import { walkTree } from './walk-tree';
import type { ScanIssue } from './scan-issue';

const LOADER = path.join(__dirname, 'walk-loader.cjs');
const NOBODY = 65534;
const walker = new ThreadStorageWalker();
const roots: string[] = [];

afterAll(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

function tree(files: Record<string, string | number>): string {
  const root = mkdtempSync(path.join(tmpdir(), 'portico-walk-'));
  roots.push(root);
  chmodSync(root, 0o755); // the unprivileged child must be able to reach it
  for (const [rel, content] of Object.entries(files)) {
    const abs = path.join(root, rel);
    mkdirSync(path.dirname(abs), { recursive: true });
    if (rel.endsWith('/')) mkdirSync(abs, { recursive: true });
    else writeFileSync(abs, typeof content === 'number' ? Buffer.alloc(content, 7) : content);
  }
  return root;
}

interface Walked {
  files: Map<string, { size: number; mtimeMs: number; inode: string; dev: number }>;
  issues: ScanIssue[];
  chunks: DirectoryChunk[];
  ignored: number;
}

function summarize(chunks: DirectoryChunk[]): Walked {
  const files = new Map<string, { size: number; mtimeMs: number; inode: string; dev: number }>();
  for (const chunk of chunks) {
    chunk.files.names.forEach((name, index) => {
      const rel = chunk.dir === '' ? name : `${chunk.dir}/${name}`;
      if (files.has(rel)) throw new Error(`${rel} was delivered twice`);
      files.set(rel, {
        size: chunk.files.sizes[index]!,
        mtimeMs: chunk.files.mtimesMs[index]!,
        inode: chunk.files.inodes[index]!,
        dev: chunk.files.devs[index]!,
      });
    });
  }
  return {
    files,
    issues: chunks.flatMap((chunk) => chunk.issues),
    chunks,
    ignored: chunks.reduce((sum, chunk) => sum + chunk.ignored, 0),
  };
}

async function walk(root: string, options: Partial<WalkOptions> = {}): Promise<Walked> {
  const chunks: DirectoryChunk[] = [];
  for await (const batch of walkTree(walker, { root, concurrency: 3, ignorePatterns: [], ...options }))
    chunks.push(...batch);
  return summarize(chunks);
}

/** The same walk in a child process (optionally as another user, or under another command). */
async function walkInChild(
  root: string,
  spawnAs: { uid?: number; gid?: number; wrap?: string[] } = {},
): Promise<Walked> {
  const code = `
    const { load } = require(${JSON.stringify(LOADER)});
    const { ThreadStorageWalker } = load('thread-walker.adapter');
    const { walkTree } = load('walk-tree');
    (async () => {
      const chunks = [];
      for await (const batch of walkTree(new ThreadStorageWalker(), JSON.parse(process.argv[1]))) chunks.push(...batch);
      process.stdout.write(JSON.stringify(chunks));
    })().catch((error) => { process.stderr.write(String(error && error.stack || error)); process.exit(1); });`;
  const options = JSON.stringify({ root, concurrency: 2, ignorePatterns: [] });
  const argv = [...(spawnAs.wrap ?? []), process.execPath, '-e', code, options];
  const child = spawn(argv[0]!, argv.slice(1), {
    uid: spawnAs.uid,
    gid: spawnAs.gid,
    cwd: '/',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (data: Buffer) => (stdout += data.toString()));
  child.stderr.on('data', (data: Buffer) => (stderr += data.toString()));
  const code_ = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code_ !== 0) throw new Error(`walker child exited with ${code_}: ${stderr}`);
  return summarize(JSON.parse(stdout) as DirectoryChunk[]);
}

it('delivers every regular file once, with the size, mtime, inode and device lstat reports', async () => {
  const root = tree({ 'a.mov': 10, 'b/c.mxf': 2000, 'b/d/e.wav': 0, 'b/d/f g.txt': 'x', 'empty/': 0 });
  const walked = await walk(root);
  expect([...walked.files.keys()].sort()).toEqual(['a.mov', 'b/c.mxf', 'b/d/e.wav', 'b/d/f g.txt']);
  for (const [rel, entry] of walked.files) {
    const stats = lstatSync(path.join(root, rel));
    expect(entry).toEqual({
      size: stats.size,
      mtimeMs: stats.mtimeMs,
      inode: String(stats.ino),
      dev: stats.dev,
    });
  }
  expect(walked.chunks.map((chunk) => chunk.dir).sort()).toEqual(['', 'b', 'b/d', 'empty']);
  expect(walked.chunks.every((chunk) => chunk.final && chunk.part === 0 && !chunk.incomplete)).toBe(true);
  expect(walked.issues).toEqual([]);
});

it('skips ignored names and paths (dotfiles included) and always the .portico folder at the root', async () => {
  const root = tree({
    'keep.mov': 1,
    '.DS_Store': 1,
    '._keep.mov': 1,
    'render.tmp': 1,
    '.hidden.tmp': 1,
    'Thumbs.db': 1,
    'cache/big.mov': 1,
    'sub/cache/kept.mov': 1,
    'sub/.DS_Store': 1,
    '.portico/storage-id': 'x',
  });
  const walked = await walk(root, {
    ignorePatterns: ['.DS_Store', '._*', 'Thumbs.db', '*.tmp', 'cache'],
  });
  // 'cache', a name pattern, skips both cache folders with everything in them
  expect([...walked.files.keys()].sort()).toEqual(['keep.mov']);
  expect(walked.ignored).toBe(8);

  const byPath = await walk(root, { ignorePatterns: ['sub/cache', '**/.DS_Store'] });
  expect([...byPath.files.keys()].sort()).toEqual([
    '._keep.mov',
    '.hidden.tmp',
    'Thumbs.db',
    'cache/big.mov',
    'keep.mov',
    'render.tmp',
  ]);
});

it('hands a folder bigger than chunkEntries out in ordered parts, each name exactly once', async () => {
  const files: Record<string, number> = {};
  for (let index = 0; index < 180; index++) files[`big/clip-${index}.mov`] = index % 3;
  const root = tree({ ...files, 'big/sub/x.mov': 1 });
  const walked = await walk(root, { chunkEntries: 50 });
  const parts = walked.chunks.filter((chunk) => chunk.dir === 'big');
  expect(parts.map((chunk) => [chunk.part, chunk.final])).toEqual([
    [0, false],
    [1, false],
    [2, false],
    [3, true],
  ]);
  expect(walked.files.size).toBe(181);
  expect(parts.flatMap((chunk) => chunk.subdirs)).toEqual(['sub']);
});

it('seals a folder of exactly chunkEntries entries in one final part, not a full part and an empty one', async () => {
  const files: Record<string, number> = {};
  for (let index = 0; index < 100; index++) files[`even/clip-${index}.mov`] = 1;
  const walked = await walk(tree(files), { chunkEntries: 50 });
  const parts = walked.chunks.filter((chunk) => chunk.dir === 'even');
  expect(parts.map((chunk) => [chunk.part, chunk.final, chunk.files.names.length])).toEqual([
    [0, false, 50],
    [1, true, 50],
  ]);
  expect(walked.files.size).toBe(100);
});

it('never follows symbolic links, and says where each one leads', async () => {
  const outside = tree({ 'secret.mov': 5 });
  const root = tree({ 'media/a.mov': 1, 'media/deep/b.mov': 1 });
  symlinkSync(path.join(root, 'media/a.mov'), path.join(root, 'media/alias.mov'));
  symlinkSync(outside, path.join(root, 'media/escape'));
  symlinkSync('..', path.join(root, 'media/deep/up'));
  symlinkSync('nothing-here', path.join(root, 'media/broken'));
  symlinkSync('cycle-b', path.join(root, 'cycle-a'));
  symlinkSync('cycle-a', path.join(root, 'cycle-b'));
  symlinkSync('media/deep', path.join(root, 'shortcut'));

  const walked = await walk(root);
  expect([...walked.files.keys()].sort()).toEqual(['media/a.mov', 'media/deep/b.mov']);
  const kinds = Object.fromEntries(walked.issues.map((issue) => [issue.path, issue.kind]));
  expect(kinds).toEqual({
    'media/alias.mov': 'symlink-skipped',
    'media/escape': 'symlink-escape',
    'media/deep/up': 'symlink-loop',
    'media/broken': 'symlink-broken',
    'cycle-a': 'symlink-loop',
    'cycle-b': 'symlink-loop',
    shortcut: 'symlink-skipped',
  });
  expect(walked.issues.find((issue) => issue.path === 'media/escape')!.message).toContain(outside);
});

it('keeps NFC/NFD and case-only twins as two files and reports each pair', async () => {
  const nfc = 'caf\u00e9.mov';
  const nfd = 'cafe\u0301.mov';
  const root = tree({ [`d/${nfc}`]: 1, [`d/${nfd}`]: 2, 'd/Clip.mov': 3, 'd/clip.mov': 4, 'd/other.mov': 5 });
  const walked = await walk(root);
  const names = [...walked.files.keys()];
  expect(names).toHaveLength(5);
  // exactly the code points the file system returned: neither name was normalized
  expect(names).toContain(`d/${nfc}`);
  expect(names).toContain(`d/${nfd}`);
  expect(walked.files.get(`d/${nfd}`)!.size).toBe(2);
  const issues = walked.issues.map((issue) => issue.kind).sort();
  expect(issues).toEqual(['case-collision', 'unicode-collision']);
});

it('reports FIFOs and names that are not UTF-8, and keeps walking', async () => {
  const root = tree({ 'ok.mov': 1 });
  await new Promise<void>((resolve, reject) =>
    spawn('mkfifo', [path.join(root, 'pipe')]).once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`mkfifo exited ${code}`)),
    ),
  );
  writeFileSync(
    Buffer.concat([Buffer.from(`${root}/bad-`), Buffer.from([0xff, 0xfe]), Buffer.from('.mov')]),
    'x',
  );
  const walked = await walk(root);
  expect([...walked.files.keys()]).toEqual(['ok.mov']);
  expect(walked.issues.map((issue) => issue.kind).sort()).toEqual(['special-file', 'undecodable-name']);
});

it('reports a folder it may not read and walks everything else (an unprivileged child process)', async () => {
  // Root reads any folder whatever its mode bits (CAP_DAC_OVERRIDE), so permissions are real only
  // for another user: the walk runs in a child process as `nobody`.
  if (process.getuid?.() !== 0) throw new Error('this test switches to the nobody user: run it as root');
  const root = tree({ 'open/a.mov': 1, 'locked/b.mov': 1, 'locked/inner/c.mov': 1, 'z.mov': 1 });
  chmodSync(path.join(root, 'locked'), 0o000);
  try {
    const walked = await walkInChild(root, { uid: NOBODY, gid: NOBODY });
    expect([...walked.files.keys()].sort()).toEqual(['open/a.mov', 'z.mov']);
    const locked = walked.chunks.find((chunk) => chunk.dir === 'locked')!;
    expect(locked.failure).toMatchObject({ kind: 'unreadable' });
    expect(locked.failure!.message).toContain('permission denied');
    expect(walked.issues).toEqual([expect.objectContaining({ path: 'locked', kind: 'unreadable' })]);

    // the same tree as root (no permission check): the folder is read, so the mechanism was the uid
    const asRoot = await walkInChild(root);
    expect([...asRoot.files.keys()].sort()).toEqual([
      'locked/b.mov',
      'locked/inner/c.mov',
      'open/a.mov',
      'z.mov',
    ]);
  } finally {
    chmodSync(path.join(root, 'locked'), 0o755);
  }
});

it('detects a real directory loop (a bind mount of an ancestor, in a private mount namespace)', async () => {
  ensureCommands([{ command: 'unshare', debianPackage: 'util-linux' }]);
  const root = tree({ 'a/x.mov': 1, 'a/b/': 0 });
  const walked = await walkInChild(root, {
    wrap: [
      'unshare',
      '--mount',
      '--propagation',
      'private',
      'sh',
      '-c',
      'mount --bind "$0/a" "$0/a/b" && exec "$@"',
      root,
    ],
  });
  expect([...walked.files.keys()]).toEqual(['a/x.mov']);
  const loop = walked.chunks.find((chunk) => chunk.dir === 'a/b')!;
  expect(loop.failure).toMatchObject({ kind: 'loop' });
  expect(walked.issues).toEqual([expect.objectContaining({ path: 'a/b', kind: 'directory-loop' })]);
});

it('probes paths: missing, present with its inode', async () => {
  const root = tree({ 'a.mov': 1 });
  const probes = await walker.probe(root, ['a.mov', 'gone.mov', 'no/such/dir.mov']);
  expect(probes).toEqual([
    { state: 'present', inode: String(lstatSync(path.join(root, 'a.mov')).ino) },
    { state: 'missing' },
    { state: 'missing' },
  ]);
});

it('fails to open a root that does not exist, naming it', async () => {
  await expect(walker.open({ root: '/no/such/mount', concurrency: 1, ignorePatterns: [] })).rejects.toThrow(
    /storage root \/no\/such\/mount cannot be resolved/,
  );
});

it('reports a root it cannot list as a failed root chunk', async () => {
  if (process.getuid?.() !== 0) throw new Error('this test switches to the nobody user: run it as root');
  const root = tree({ 'a.mov': 1 });
  chmodSync(root, 0o311); // searchable, not listable
  try {
    const walked = await walkInChild(root, { uid: NOBODY, gid: NOBODY });
    expect(walked.chunks).toHaveLength(1);
    expect(walked.chunks[0]).toMatchObject({ dir: '', failure: { kind: 'unreadable' } });
  } finally {
    chmodSync(root, 0o755);
  }
});
