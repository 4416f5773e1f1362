import { execFile, execFileSync } from 'node:child_process';
import {
  appendFileSync,
  chmodSync,
  closeSync,
  existsSync,
  openSync,
  renameSync,
  statSync,
  truncateSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import {
  ageFile,
  anyRejectionOf,
  ensureCommands,
  openDescriptorsOn,
  referenceChecksum,
  writeRandomFile,
} from '@portico/testing';

import { HASH_ALGORITHMS } from './algorithms';
import { FileAccessError } from './file-access-error';
import { FileChangedError } from './file-changed-error';
import { type FileHashResult, type HashProgress } from './file-hasher';
import { NodeFileHasher } from './file-hasher.adapter';

const run = promisify(execFile);
const KiB = 1024;
const MiB = 1024 * KiB;
const REPO_ROOT = path.resolve(__dirname, '../../../..');

function sums(result: FileHashResult): Record<string, string> {
  return Object.fromEntries(result.checksums.map((checksum) => [checksum.algorithm, checksum.value]));
}

describe('NodeFileHasher', () => {
  let dir: string;

  beforeAll(() => {
    ensureCommands([
      { command: 'md5sum', debianPackage: 'coreutils' },
      { command: 'xxhsum', debianPackage: 'xxhash' },
      { command: 'mkfifo', debianPackage: 'coreutils' },
    ]);
  });
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'portico-hash-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  describe('sums', () => {
    it('matches the published vectors for an empty file and "abc", every algorithm in one read', async () => {
      const empty = path.join(dir, 'empty');
      const abc = path.join(dir, 'abc');
      writeFileSync(empty, '');
      writeFileSync(abc, 'abc');
      const hasher = new NodeFileHasher();
      const [emptyResult, abcResult] = await Promise.all([
        hasher.hash(empty, { algorithms: HASH_ALGORITHMS }),
        hasher.hash(abc, { algorithms: HASH_ALGORITHMS }),
      ]);
      expect(emptyResult.checksums).toEqual([
        { algorithm: 'md5', value: 'd41d8cd98f00b204e9800998ecf8427e' },
        { algorithm: 'sha1', value: 'da39a3ee5e6b4b0d3255bfef95601890afd80709' },
        { algorithm: 'sha256', value: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' },
        { algorithm: 'xxh64', value: 'ef46db3751d8e999' },
        { algorithm: 'xxh3', value: '2d06800538d394c2' },
      ]);
      expect(emptyResult.size).toBe(0);
      expect(sums(abcResult)).toEqual({
        md5: '900150983cd24fb0d6963f7d28e17f72',
        sha1: 'a9993e364706816aba3e25717850c26c9cd0d89d',
        sha256: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
        xxh64: '44bc2cf5ad770999',
        xxh3: '78af5f94892f3950',
      });
      expect(abcResult.size).toBe(3);
      expect(abcResult.mtimeMs).toBe(Math.trunc(statSync(abc).mtimeMs));
    });

    it.each([
      ['64 KiB', 64 * KiB],
      ['the default', undefined],
    ])(
      'agrees with md5sum, sha1sum, sha256sum and xxhsum on a real file, with %s reads',
      async (_label, chunkBytes) => {
        const file = path.join(dir, 'random.bin');
        writeRandomFile(file, 5 * MiB + 12_345);
        const result = await new NodeFileHasher({ chunkBytes }).hash(file, { algorithms: HASH_ALGORITHMS });
        const expected: Record<string, string> = {};
        for (const algorithm of HASH_ALGORITHMS)
          expected[algorithm] = await referenceChecksum(algorithm, file);
        expect(sums(result)).toEqual(expected);
        expect(result.size).toBe(5 * MiB + 12_345);
        expect(result.version.inode).toBe(BigInt(statSync(file).ino));
      },
    );

    it('gives each algorithm alone the same sum as all together', async () => {
      const file = path.join(dir, 'random.bin');
      writeRandomFile(file, 3 * MiB + 1);
      const hasher = new NodeFileHasher({ chunkBytes: 64 * KiB });
      const together = sums(await hasher.hash(file, { algorithms: HASH_ALGORITHMS }));
      for (const algorithm of HASH_ALGORITHMS) {
        expect(sums(await hasher.hash(file, { algorithms: [algorithm] }))).toEqual({
          [algorithm]: together[algorithm],
        });
      }
    });
  });

  describe('progress and abort', () => {
    it('reports growing byte counts and always the whole file at the end', async () => {
      const file = path.join(dir, 'random.bin');
      writeRandomFile(file, 1 * MiB);
      const reports: HashProgress[] = [];
      await new NodeFileHasher({ chunkBytes: 64 * KiB, progressIntervalMs: 0 }).hash(file, {
        algorithms: ['md5'],
        onProgress: (progress) => reports.push(progress),
      });
      expect(reports.length).toBeGreaterThanOrEqual(16);
      expect(reports.every((report) => report.totalBytes === MiB)).toBe(true);
      const counts = reports.map((report) => report.bytesHashed);
      expect([...counts].sort((a, b) => a - b)).toEqual(counts);
      expect(counts[0]).toBe(64 * KiB);
      expect(counts.at(-1)).toBe(MiB);
    });

    it('throttles progress: a long interval leaves only the final report', async () => {
      const file = path.join(dir, 'random.bin');
      writeRandomFile(file, 1 * MiB);
      const reports: HashProgress[] = [];
      await new NodeFileHasher({ chunkBytes: 64 * KiB, progressIntervalMs: 3_600_000 }).hash(file, {
        algorithms: ['md5'],
        onProgress: (progress) => reports.push(progress),
      });
      expect(reports).toEqual([{ bytesHashed: MiB, totalBytes: MiB }]);
    });

    it('stops at the next chunk when aborted, rejects with the reason and closes the file', async () => {
      const file = path.join(dir, 'random.bin');
      writeRandomFile(file, 4 * MiB);
      const controller = new AbortController();
      const reason = new Error('job handed back');
      const reports: number[] = [];
      const error = await anyRejectionOf(
        new NodeFileHasher({ chunkBytes: 64 * KiB, progressIntervalMs: 0 }).hash(file, {
          algorithms: ['md5'],
          signal: controller.signal,
          onProgress: ({ bytesHashed }) => {
            reports.push(bytesHashed);
            if (bytesHashed >= 256 * KiB) controller.abort(reason);
          },
        }),
      );
      expect(error).toBe(reason);
      expect(Math.max(...reports)).toBe(256 * KiB);
      expect(openDescriptorsOn(file)).toBe(0);
    });

    it('does not open the file for an already aborted signal', async () => {
      const controller = new AbortController();
      controller.abort();
      const error = await anyRejectionOf(
        new NodeFileHasher().hash(path.join(dir, 'never-read'), {
          algorithms: ['md5'],
          signal: controller.signal,
        }),
      );
      expect(error.name).toBe('AbortError');
    });
  });

  describe('a file that changes while it is hashed', () => {
    const SIZE = 4 * MiB;
    let file: string;

    beforeEach(() => {
      file = path.join(dir, 'growing.mxf');
      writeRandomFile(file, SIZE);
      ageFile(file);
    });

    /** Hashes in 64 KiB reads and runs `change` once, after the first chunk is hashed. */
    async function hashWhile(
      change: () => void,
      recheckIntervalMs = 3_600_000,
    ): Promise<{ error: Error; seen: number }> {
      let changed = false;
      let seen = 0;
      const error = await anyRejectionOf(
        new NodeFileHasher({ chunkBytes: 64 * KiB, progressIntervalMs: 0, recheckIntervalMs }).hash(file, {
          algorithms: ['md5', 'xxh64'],
          onProgress: ({ bytesHashed }) => {
            seen = bytesHashed;
            if (changed) return;
            changed = true;
            change();
          },
        }),
      );
      expect(openDescriptorsOn(file)).toBe(0);
      return { error, seen };
    }

    function expectChanged(error: Error, detail: RegExp): void {
      expect(error).toBeInstanceOf(FileChangedError);
      expect(error).toMatchObject({ permanent: false });
      expect(error.message).toMatch(new RegExp(`^${file} changed while it was being hashed \\(`));
      expect(error.message).toMatch(detail);
    }

    it('appended to', async () => {
      const { error } = await hashWhile(() => appendFileSync(file, Buffer.alloc(MiB, 1)));
      // Seen by the read that passes the size, or, once the read reached it, by the version check.
      expectChanged(
        error,
        /grew beyond its size of 4194304 bytes while being read|size 4194304 -> 5242880 bytes/,
      );
    });

    it('rewritten in place at the same size, in a part already hashed', async () => {
      const { error } = await hashWhile(() => {
        const fd = openSync(file, 'r+');
        writeSync(fd, Buffer.alloc(4096, 0x55), 0, 4096, 0);
        closeSync(fd);
      });
      expectChanged(error, /modification time .* -> /);
    });

    it('rewritten with its modification time put back (cp -p style)', async () => {
      const before = statSync(file);
      const { error } = await hashWhile(() => {
        writeFileSync(file, Buffer.alloc(SIZE, 7));
        utimesSync(file, before.atime, before.mtime);
      });
      expectChanged(error, /status-change time .* -> /);
    });

    it('replaced by another file under the same name', async () => {
      const replacement = path.join(dir, 'replacement.mxf');
      writeRandomFile(replacement, SIZE);
      ageFile(replacement);
      const { error } = await hashWhile(() => renameSync(replacement, file));
      expectChanged(error, /replaced by another file \(inode \d+ -> \d+\)/);
    });

    it('truncated', async () => {
      const { error } = await hashWhile(() => truncateSync(file, MiB));
      expectChanged(error, /shrank from 4194304 to 1048576 bytes while being read/);
    });

    it('removed', async () => {
      const { error } = await hashWhile(() => unlinkSync(file));
      expectChanged(error, /removed or renamed while being read/);
    });

    it('is caught by the periodic re-check before the read ends', async () => {
      const { error, seen } = await hashWhile(() => {
        writeFileSync(file, Buffer.alloc(SIZE, 9));
      }, 0);
      expectChanged(error, /modification time/);
      expect(seen).toBeLessThan(SIZE);
    });

    it('hashes fine when nothing changes (the same setup, no change)', async () => {
      const result = await new NodeFileHasher({
        chunkBytes: 64 * KiB,
        progressIntervalMs: 0,
        recheckIntervalMs: 0,
      }).hash(file, { algorithms: ['md5'] });
      expect(sums(result)).toEqual({ md5: await referenceChecksum('md5', file) });
    });
  });

  describe('files that cannot be hashed', () => {
    it('a missing file: retryable, naming the file', async () => {
      const missing = path.join(dir, 'gone.mov');
      const error = await anyRejectionOf(new NodeFileHasher().hash(missing, { algorithms: ['md5'] }));
      expect(error).toBeInstanceOf(FileAccessError);
      expect(error).toMatchObject({ reason: 'missing', permanent: false, code: 'ENOENT', operation: 'open' });
      expect(error.message).toBe(
        `cannot open ${missing} to compute its checksum (ENOENT): it does not exist (removed or renamed, or the ` +
          'storage is not mounted); the job will be retried',
      );
    });

    it('a directory: permanent', async () => {
      const error = await anyRejectionOf(new NodeFileHasher().hash(dir, { algorithms: ['md5'] }));
      expect(error).toMatchObject({ name: 'FileAccessError', reason: 'not-a-file', permanent: true });
      expect(error.message).toContain(`cannot read ${dir} to compute its checksum: it is not a regular file`);
    });

    it('a FIFO without a writer: refused at once instead of blocking', async () => {
      const fifo = path.join(dir, 'pipe');
      execFileSync('mkfifo', [fifo]);
      const error = await anyRejectionOf(new NodeFileHasher().hash(fifo, { algorithms: ['md5'] }));
      expect(error).toMatchObject({ name: 'FileAccessError', reason: 'not-a-file', permanent: true });
    });

    it('a read that fails in the kernel (EIO): retryable, and the file is closed', async () => {
      // /proc/self/mem is a real file whose read at offset 0 (an unmapped address) fails with EIO.
      const error = await anyRejectionOf(
        new NodeFileHasher().hash('/proc/self/mem', { algorithms: ['md5'] }),
      );
      expect(error).toMatchObject({
        name: 'FileAccessError',
        reason: 'io-error',
        permanent: false,
        code: 'EIO',
      });
      expect(error.message).toBe(
        'cannot read /proc/self/mem to compute its checksum (EIO): an I/O error on the storage; the job will be ' +
          'retried — check the NAS and the mount if it persists',
      );
      expect(openDescriptorsOn(`/proc/${process.pid}/mem`)).toBe(0);
    });

    it('an unreadable file: permanent, telling the operator to grant read access', async () => {
      // Root reads any file whatever its mode, so the hasher runs in a child process that drops to
      // the unprivileged uid/gid 65534 (nobody) first; as an ordinary user, mode 000 suffices.
      // A readable file hashed by the same child proves the refusal comes from the permission.
      const asRoot = process.getuid?.() === 0;
      chmodSync(dir, 0o755);
      const secret = path.join(dir, 'secret.mov');
      const open = path.join(dir, 'open.mov');
      writeFileSync(secret, 'not for nobody');
      writeFileSync(open, 'abc');
      chmodSync(secret, asRoot ? 0o600 : 0o000);
      chmodSync(open, 0o644);
      const outcomes = await hashInUnprivilegedChild([open, secret]);
      expect(outcomes[0]).toEqual({
        ok: true,
        uid: asRoot ? 65534 : process.getuid?.(),
        md5: '900150983cd24fb0d6963f7d28e17f72',
      });
      expect(outcomes[1]).toEqual({
        ok: false,
        name: 'FileAccessError',
        reason: 'permission-denied',
        permanent: true,
        message:
          `cannot open ${secret} to compute its checksum (EACCES): permission denied; give this node's user read ` +
          'access to it, then retry the dead job (portico jobs retry)',
      });
    });
  });

  it('hashes a 20 GiB sparse file with bounded memory', async () => {
    // xxh64 because it is the fastest algorithm (over 10 GB/s here against MD5's ~0.8 GB/s), so
    // the test measures the reader, in seconds. tmpfs when there is one: reading holes there copies
    // the zero page, while a disk file system fills the page cache with 20 GiB of zeroed pages
    // (~400 MB/s here, evicting everyone's cache).
    const sparseDir = existsSync('/dev/shm') ? await mkdtemp('/dev/shm/portico-hash-') : dir;
    try {
      const file = path.join(sparseDir, 'sparse-20g.bin');
      const size = 20 * 1024 * MiB;
      writeFileSync(file, '');
      truncateSync(file, size);
      const hasher = new NodeFileHasher({ progressIntervalMs: 50 });
      const warmUp = path.join(sparseDir, 'warm-up.bin');
      writeRandomFile(warmUp, 8 * MiB);
      await hasher.hash(warmUp, { algorithms: ['xxh64'] });
      const baseline = process.memoryUsage.rss();
      let peak = baseline;
      const result = await hasher.hash(file, {
        algorithms: ['xxh64'],
        onProgress: () => {
          peak = Math.max(peak, process.memoryUsage.rss());
        },
      });
      peak = Math.max(peak, process.memoryUsage.rss());
      expect(result.size).toBe(size);
      expect(sums(result)).toEqual({ xxh64: await referenceChecksum('xxh64', file) });
      // Two 2 MiB buffers; a reader holding the file, or chunks piling up for the GC, shows here.
      expect((peak - baseline) / MiB).toBeLessThan(32);
    } finally {
      if (sparseDir !== dir) await rm(sparseDir, { recursive: true, force: true });
    }
  });
});

type ChildOutcome =
  | { ok: true; uid: number | undefined; md5: string }
  | { ok: false; name: string; reason: string; permanent: boolean; message: string };

/**
 * Runs the real adapter in a child Node process (TypeScript compiled on the fly with the repo's
 * SWC options, modules loaded before privileges are dropped) that drops to uid/gid 65534 when it
 * runs as root, then hashes each file with MD5.
 */
async function hashInUnprivilegedChild(files: readonly string[]): Promise<ChildOutcome[]> {
  const script = `
    const fs = require('node:fs');
    const [repo, adapter, ...files] = process.argv.slice(1);
    const { transformSync } = require(require.resolve('@swc/core', { paths: [repo] }));
    const { swcOptions } = require(repo + '/tools/swc-options.cjs');
    require.extensions['.ts'] = (module, filename) => {
      const options = { ...swcOptions({ sourceMaps: false }), filename, swcrc: false };
      module._compile(transformSync(fs.readFileSync(filename, 'utf8'), options).code, filename);
    };
    const { NodeFileHasher } = require(adapter);
    if (process.getuid() === 0) { process.setgroups([]); process.setgid(65534); process.setuid(65534); }
    (async () => {
      const outcomes = [];
      for (const file of files) {
        try {
          const result = await new NodeFileHasher().hash(file, { algorithms: ['md5'] });
          outcomes.push({ ok: true, uid: process.getuid(), md5: result.checksums[0].value });
        } catch (error) {
          const { name, reason, permanent, message } = error;
          outcomes.push({ ok: false, name, reason, permanent, message });
        }
      }
      process.stdout.write(JSON.stringify(outcomes));
    })();
  `;
  const adapter = path.join(REPO_ROOT, 'libs/storage/src/hashing/file-hasher.adapter.ts');
  const { stdout } = await run(process.execPath, ['-e', script, REPO_ROOT, adapter, ...files], {
    cwd: REPO_ROOT,
    timeout: 60_000,
  });
  return JSON.parse(stdout) as ChildOutcome[];
}
