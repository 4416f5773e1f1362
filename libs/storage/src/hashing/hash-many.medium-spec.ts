import { execFile, execFileSync } from 'node:child_process';
import {
  appendFileSync,
  chmodSync,
  existsSync,
  renameSync,
  statSync,
  truncateSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
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
  waitFor,
  writeRandomFile,
} from '@portico/testing';

import { HASH_ALGORITHMS, InvalidHashRequestError } from './algorithms';
import { FileAccessError } from './file-access-error';
import { FileChangedError } from './file-changed-error';
import { type FileHashResult } from './file-hasher';
import { NodeFileHasher, type NodeFileHasherOptions } from './file-hasher.adapter';
import { HASH_THREAD_MODULE, HashThreadClient } from './hash-thread-client.adapter';

const run = promisify(execFile);
const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;
const REPO_ROOT = path.resolve(__dirname, '../../../..');
const LOADER = path.join(__dirname, '..', 'walk', 'walk-loader.cjs');

function sums(result: FileHashResult | Error | undefined): Record<string, string> {
  if (!result || result instanceof Error) throw new Error(`expected a hash result, got ${String(result)}`);
  return Object.fromEntries(result.checksums.map((checksum) => [checksum.algorithm, checksum.value]));
}

/** Rejects when `promise` takes longer than `ms`: a call that blocks fails here, not at jest's timeout. */
async function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

describe('NodeFileHasher.hashMany', () => {
  let dir: string;
  /** Big sparse files live here: tmpfs when there is one (reading holes copies the zero page). */
  let bigDir: string;
  const hashers: NodeFileHasher[] = [];

  function hasher(options?: NodeFileHasherOptions): NodeFileHasher {
    const created = new NodeFileHasher(options);
    hashers.push(created);
    return created;
  }

  /**
   * A 1 GiB sparse file: MD5 reads it in about a second and a half here, long enough to act on it
   * once the checksum thread is seen holding it open (its descriptor is the whole process's).
   */
  function bigFile(name: string): string {
    const file = path.join(bigDir, name);
    writeFileSync(file, '');
    truncateSync(file, GiB);
    ageFile(file);
    return file;
  }

  async function whileOpen(file: string): Promise<void> {
    await waitFor(() => openDescriptorsOn(file) > 0, {
      description: `the checksum thread opens ${file}`,
      intervalMs: 1,
    });
  }

  beforeAll(() => {
    ensureCommands([
      { command: 'md5sum', debianPackage: 'coreutils' },
      { command: 'xxhsum', debianPackage: 'xxhash' },
      { command: 'mkfifo', debianPackage: 'coreutils' },
    ]);
  });
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'portico-hash-many-'));
    bigDir = existsSync('/dev/shm') ? await mkdtemp('/dev/shm/portico-hash-many-') : dir;
  });
  afterEach(async () => {
    await Promise.all(hashers.splice(0).map((created) => created.close()));
    await rm(dir, { recursive: true, force: true });
    if (bigDir !== dir) await rm(bigDir, { recursive: true, force: true });
  });

  describe('sums', () => {
    it('matches the published vectors for an empty file and "abc", every algorithm in one read', async () => {
      const empty = path.join(dir, 'empty');
      const abc = path.join(dir, 'abc');
      writeFileSync(empty, '');
      writeFileSync(abc, 'abc');
      const [emptyResult, abcResult] = await hasher().hashMany([empty, abc], { algorithms: HASH_ALGORITHMS });
      expect(sums(emptyResult)).toEqual({
        md5: 'd41d8cd98f00b204e9800998ecf8427e',
        sha1: 'da39a3ee5e6b4b0d3255bfef95601890afd80709',
        sha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
        xxh64: 'ef46db3751d8e999',
        xxh3: '2d06800538d394c2',
      });
      expect((emptyResult as FileHashResult).checksums.map((c) => c.algorithm)).toEqual(HASH_ALGORITHMS);
      expect(sums(abcResult)).toEqual({
        md5: '900150983cd24fb0d6963f7d28e17f72',
        sha1: 'a9993e364706816aba3e25717850c26c9cd0d89d',
        sha256: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
        xxh64: '44bc2cf5ad770999',
        xxh3: '78af5f94892f3950',
      });
      expect(abcResult).toMatchObject({ size: 3, mtimeMs: Math.trunc(statSync(abc).mtimeMs) });
    });

    it.each([
      ['64 KiB', 64 * KiB],
      ['the default 2 MiB', 2 * MiB],
    ])(
      'agrees with hash() and with md5sum, sha1sum, sha256sum and xxhsum over a mix of sizes, with %s reads',
      async (_label, chunkBytes) => {
        const sizes = [0, 1, 4 * KiB, chunkBytes - 1, chunkBytes, chunkBytes + 1, 3 * MiB + 12_345];
        const files = sizes.map((size, index) => {
          const file = path.join(dir, `file-${index}-${size}.bin`);
          writeRandomFile(file, size);
          return file;
        });
        const subject = hasher({ chunkBytes });
        const results = await subject.hashMany(files, { algorithms: HASH_ALGORITHMS });
        expect(results).toHaveLength(files.length);
        for (const [index, file] of files.entries()) {
          const result = results[index] as FileHashResult;
          const single = await subject.hash(file, { algorithms: HASH_ALGORITHMS });
          expect(sums(result)).toEqual(sums(single));
          expect(result).toMatchObject({
            size: sizes[index],
            version: single.version,
            mtimeMs: single.mtimeMs,
          });
          const expected: Record<string, string> = {};
          for (const algorithm of HASH_ALGORITHMS)
            expected[algorithm] = await referenceChecksum(algorithm, file);
          expect(sums(result)).toEqual(expected);
        }
      },
    );

    it('serves concurrent calls in turn, each with its own algorithms, in the order requested', async () => {
      const files = [0, 1, 2].map((index) => {
        const file = path.join(dir, `f${index}`);
        writeRandomFile(file, 10 * KiB + index);
        return file;
      });
      const subject = hasher();
      const [first, second, third] = await Promise.all([
        subject.hashMany(files, { algorithms: ['md5'] }),
        subject.hashMany([...files].reverse(), { algorithms: ['xxh3', 'sha1'] }),
        subject.hashMany([files[1]!], { algorithms: ['xxh64'] }),
      ]);
      for (const [index, file] of files.entries()) {
        expect(sums(first[index])).toEqual({ md5: await referenceChecksum('md5', file) });
        const reversed = second[files.length - 1 - index] as FileHashResult;
        expect(reversed.checksums.map((c) => c.algorithm)).toEqual(['xxh3', 'sha1']);
        expect(sums(reversed)).toEqual({
          xxh3: await referenceChecksum('xxh3', file),
          sha1: await referenceChecksum('sha1', file),
        });
      }
      expect(sums(third[0])).toEqual({ xxh64: await referenceChecksum('xxh64', files[1]!) });
    });

    it('hashes a file replaced by rename between two calls as the new file', async () => {
      const file = path.join(dir, 'clip.mov');
      const replacement = path.join(dir, 'replacement.mov');
      writeRandomFile(file, 8 * KiB);
      writeRandomFile(replacement, 8 * KiB);
      const subject = hasher();
      const [before] = await subject.hashMany([file], { algorithms: ['md5'] });
      const expected = await referenceChecksum('md5', replacement);
      renameSync(replacement, file);
      const [after] = await subject.hashMany([file], { algorithms: ['md5'] });
      expect(sums(after)).toEqual({ md5: expected });
      expect(sums(after)).not.toEqual(sums(before));
      expect((after as FileHashResult).version.inode).toBe(BigInt(statSync(file).ino));
    });

    it('reads a file far larger than its buffer in chunks, with bounded memory', async () => {
      const file = path.join(bigDir, 'sparse-4g.bin');
      writeFileSync(file, '');
      truncateSync(file, 4 * GiB);
      const subject = hasher();
      await subject.hashMany([path.join(REPO_ROOT, 'package.json')], { algorithms: ['xxh64'] });
      const baseline = process.memoryUsage.rss();
      let peak = baseline;
      // The calling thread is free while the checksum thread reads: it samples memory meanwhile.
      const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 5);
      try {
        const [result] = await subject.hashMany([file], { algorithms: ['xxh64'] });
        expect(result).toMatchObject({ size: 4 * GiB });
        expect(sums(result)).toEqual({ xxh64: await referenceChecksum('xxh64', file) });
      } finally {
        clearInterval(sampler);
      }
      expect((peak - baseline) / MiB).toBeLessThan(32);
    });

    it('resolves an empty list to an empty list and refuses a bad algorithm list', async () => {
      const subject = hasher();
      await expect(subject.hashMany([], { algorithms: ['md5'] })).resolves.toEqual([]);
      const error = await anyRejectionOf(subject.hashMany([dir], { algorithms: ['md5', 'md5'] }));
      expect(error).toBeInstanceOf(InvalidHashRequestError);
      expect(error.message).toBe('checksum algorithm "md5" is requested twice');
    });
  });

  describe('files that cannot be hashed', () => {
    it('each fails alone, with the error and message hash() gives, and leaves the rest of the batch', async () => {
      const first = path.join(dir, 'first.mov');
      const last = path.join(dir, 'last.mov');
      const missing = path.join(dir, 'gone.mov');
      const fifo = path.join(dir, 'pipe');
      writeFileSync(first, 'abc');
      writeFileSync(last, '');
      execFileSync('mkfifo', [fifo]);
      // /proc/self/mem is a real file whose read at offset 0 (an unmapped address) fails with EIO.
      const paths = [first, missing, dir, fifo, '/proc/self/mem', last];
      const subject = hasher();
      // A FIFO without a writer is refused at once (O_NONBLOCK) instead of blocking the thread.
      const results = await within(
        10_000,
        'a batch with a FIFO',
        subject.hashMany(paths, { algorithms: ['md5'] }),
      );
      expect(sums(results[0])).toEqual({ md5: '900150983cd24fb0d6963f7d28e17f72' });
      expect(sums(results[5])).toEqual({ md5: 'd41d8cd98f00b204e9800998ecf8427e' });
      expect(results[1]).toMatchObject({
        reason: 'missing',
        permanent: false,
        code: 'ENOENT',
        operation: 'open',
      });
      expect((results[1] as Error).message).toBe(
        `cannot open ${missing} to compute its checksum (ENOENT): it does not exist (removed or renamed, or the ` +
          'storage is not mounted); the job will be retried',
      );
      expect(results[2]).toMatchObject({ reason: 'not-a-file', permanent: true, code: undefined });
      expect(results[3]).toMatchObject({ reason: 'not-a-file', permanent: true });
      expect(results[4]).toMatchObject({
        reason: 'io-error',
        permanent: false,
        code: 'EIO',
        operation: 'read',
      });
      for (const index of [1, 2, 3, 4]) {
        const error = results[index] as FileAccessError;
        expect(error).toBeInstanceOf(FileAccessError);
        const single = await anyRejectionOf(subject.hash(paths[index]!, { algorithms: ['md5'] }));
        expect(single).toBeInstanceOf(FileAccessError);
        expect(error.message).toBe(single.message);
        expect(error).toMatchObject({
          reason: (single as FileAccessError).reason,
          permanent: (single as FileAccessError).permanent,
          code: (single as FileAccessError).code,
          operation: (single as FileAccessError).operation,
        });
        expect((error.cause as { code?: string } | undefined)?.code).toBe(
          ((single as FileAccessError).cause as { code?: string } | undefined)?.code,
        );
      }
      expect((results[1] as FileAccessError).cause).toMatchObject({
        code: 'ENOENT',
        syscall: 'open',
        path: missing,
      });
      for (const file of [first, last, fifo, dir, `/proc/${process.pid}/mem`])
        expect(openDescriptorsOn(file)).toBe(0);
    });

    it('an unreadable file: permanent, telling the operator to grant read access', async () => {
      // Root reads any file whatever its mode, so the hasher runs in a child process that drops to
      // the unprivileged uid/gid 65534 (nobody) first; as an ordinary user, mode 000 suffices.
      // A readable file in the same batch proves the refusal comes from the permission.
      const asRoot = process.getuid?.() === 0;
      chmodSync(dir, 0o755);
      const secret = path.join(dir, 'secret.mov');
      const open = path.join(dir, 'open.mov');
      writeFileSync(secret, 'not for nobody');
      writeFileSync(open, 'abc');
      chmodSync(secret, asRoot ? 0o600 : 0o000);
      chmodSync(open, 0o644);
      expect(await hashManyInUnprivilegedChild([open, secret])).toEqual({
        uid: asRoot ? 65534 : process.getuid?.(),
        outcomes: [
          { ok: true, md5: '900150983cd24fb0d6963f7d28e17f72' },
          {
            ok: false,
            name: 'FileAccessError',
            reason: 'permission-denied',
            permanent: true,
            cause: 'EACCES',
            message:
              `cannot open ${secret} to compute its checksum (EACCES): permission denied; give this node's user ` +
              'read access to it, then retry the dead job (portico jobs retry)',
          },
        ],
      });
    });
  });

  describe('a file that changes while it is read', () => {
    let before: string;
    let after: string;

    beforeEach(() => {
      before = path.join(dir, 'before.mov');
      after = path.join(dir, 'after.mov');
      writeFileSync(before, 'abc');
      writeFileSync(after, '');
    });

    /**
     * Hashes [before, big, after] and runs `change` on the big file once the checksum thread holds
     * it open; the small files on either side must come out right whatever happens to it.
     */
    async function hashWhile(big: string, change: () => void, recheckIntervalMs = 3_600_000): Promise<Error> {
      const call = hasher({ recheckIntervalMs }).hashMany([before, big, after], { algorithms: ['md5'] });
      await whileOpen(big);
      change();
      const results = await call;
      expect(sums(results[0])).toEqual({ md5: '900150983cd24fb0d6963f7d28e17f72' });
      expect(sums(results[2])).toEqual({ md5: 'd41d8cd98f00b204e9800998ecf8427e' });
      expect(openDescriptorsOn(big)).toBe(0);
      expect(results[1]).toBeInstanceOf(FileChangedError);
      return results[1] as Error;
    }

    function expectChanged(error: Error, file: string, detail: RegExp): void {
      expect(error).toMatchObject({ name: 'FileChangedError', permanent: false, path: file });
      expect(error.message).toMatch(new RegExp(`^${file} changed while it was being hashed \\(`));
      expect(error.message).toMatch(detail);
    }

    it('truncated', async () => {
      const big = bigFile('truncated.mxf');
      const error = await hashWhile(big, () => truncateSync(big, MiB));
      expectChanged(error, big, /shrank from 1073741824 to \d+ bytes while being read/);
    });

    it('appended to', async () => {
      const big = bigFile('appended.mxf');
      const error = await hashWhile(big, () => appendFileSync(big, Buffer.alloc(MiB, 1)));
      // Seen by the read that passes the size, or, once the read reached it, by the version check.
      expectChanged(
        error,
        big,
        /grew beyond its size of 1073741824 bytes|size 1073741824 -> 1074790400 bytes/,
      );
    });

    it('replaced by another file under the same name', async () => {
      const big = bigFile('replaced.mxf');
      const replacement = bigFile('replacement.mxf');
      const error = await hashWhile(big, () => renameSync(replacement, big));
      expectChanged(error, big, /replaced by another file \(inode \d+ -> \d+\)/);
    });

    it('removed', async () => {
      const big = bigFile('removed.mxf');
      const error = await hashWhile(big, () => unlinkSync(big));
      expectChanged(error, big, /removed or renamed while being read/);
    });

    it('is caught by the periodic re-check of the open file before the read ends', async () => {
      // Without the re-check a removal shows as 'removed or renamed' after the read (the case
      // above); the descriptor's own status-change time moving is what only the re-check sees.
      const big = bigFile('rechecked.mxf');
      const error = await hashWhile(big, () => unlinkSync(big), 0);
      expectChanged(error, big, /status-change time .* -> /);
      expect(error.message).not.toMatch(/removed or renamed/);
    });
  });

  describe('abort', () => {
    it('rejects with the reason at once for an already aborted signal', async () => {
      const controller = new AbortController();
      const reason = new Error('job handed back');
      controller.abort(reason);
      const error = await anyRejectionOf(
        hasher().hashMany([path.join(dir, 'never-read')], { algorithms: ['md5'], signal: controller.signal }),
      );
      expect(error).toBe(reason);
    });

    it('mid-batch: rejects with the reason, closes the file, opens none after it; the thread goes on', async () => {
      const first = path.join(dir, 'first.mov');
      const later = path.join(dir, 'later.mov');
      writeFileSync(first, 'abc');
      writeFileSync(later, 'abc');
      // An access time older than a day: the next read of it moves it (relatime), so it tells
      // whether the file was read.
      const longAgo = new Date(Date.now() - 3 * 86_400_000);
      utimesSync(later, longAgo, new Date(Date.now() - 3_600_000));
      const atimeBefore = statSync(later).atimeMs;
      const big = bigFile('long.mxf');
      const subject = hasher();
      const controller = new AbortController();
      const reason = new Error('lease lost');
      const call = subject.hashMany([first, big, later], { algorithms: ['md5'], signal: controller.signal });
      await whileOpen(big);
      controller.abort(reason);
      expect(await anyRejectionOf(call)).toBe(reason);
      expect(openDescriptorsOn(big)).toBe(0);
      expect(statSync(later).atimeMs).toBe(atimeBefore);

      const [again] = await subject.hashMany([later], { algorithms: ['md5'] });
      expect(sums(again)).toEqual({ md5: '900150983cd24fb0d6963f7d28e17f72' });
      // The same check on a read that did happen: the access time test above can fail.
      expect(statSync(later).atimeMs).toBeGreaterThan(atimeBefore);
    });

    it('a call waiting behind another rejects at once and the running one is unaffected', async () => {
      const small = path.join(dir, 'small.mov');
      writeFileSync(small, 'abc');
      const big = bigFile('first-in-line.mxf');
      const subject = hasher();
      const running = subject.hashMany([big], { algorithms: ['md5'] });
      const controller = new AbortController();
      const waiting = subject.hashMany([small], { algorithms: ['md5'], signal: controller.signal });
      await whileOpen(big);
      controller.abort(new Error('shutting down'));
      expect(await anyRejectionOf(waiting)).toMatchObject({ message: 'shutting down' });
      const [result] = await running;
      expect(sums(result)).toEqual({ md5: await referenceChecksum('md5', big) });
    });
  });

  describe('the checksum thread', () => {
    it('closed while hashing: the call rejects naming it, its descriptor is closed, the next call starts a new thread', async () => {
      const big = bigFile('held.mxf');
      const small = path.join(dir, 'small.mov');
      writeFileSync(small, 'abc');
      const subject = hasher();
      const call = subject.hashMany([big, small], { algorithms: ['md5'] });
      await whileOpen(big);
      await subject.close();
      const error = await anyRejectionOf(call);
      expect(error.message).toBe(
        `the checksum thread was closed before it hashed 2 files (the first ${big}); nothing of them was ` +
          'returned: hash them again',
      );
      // Terminated in the middle of the read, it ran no `finally`: Node closed its descriptor.
      expect(openDescriptorsOn(big)).toBe(0);
      const [result] = await subject.hashMany([small], { algorithms: ['md5'] });
      expect(sums(result)).toEqual({ md5: '900150983cd24fb0d6963f7d28e17f72' });
    });

    it('crashed: the batch it held rejects with the failure, the next batch runs on a new thread', async () => {
      // The real thread module behind a listener that throws, uncaught, on a batch naming
      // "crash-the-thread": the thread dies of an error as it would of a defect.
      const crashing = path.join(dir, 'crashing-thread');
      writeFileSync(
        `${crashing}.js`,
        `const { parentPort } = require('node:worker_threads');
        parentPort.on('message', (request) => {
          if (request.paths.some((p) => p.endsWith('crash-the-thread'))) throw new Error('simulated defect');
        });
        require(${JSON.stringify(LOADER)}).load(${JSON.stringify(HASH_THREAD_MODULE)});`,
      );
      const small = path.join(dir, 'small.mov');
      writeFileSync(small, 'abc');
      const client = new HashThreadClient({ chunkBytes: 64 * KiB, recheckIntervalMs: 1000 }, crashing);
      try {
        const [warm] = await client.hash([small], ['md5']);
        expect(sums(warm)).toEqual({ md5: '900150983cd24fb0d6963f7d28e17f72' });
        const doomed = path.join(dir, 'crash-the-thread');
        const [crashed, next] = await Promise.allSettled([
          client.hash([doomed, small], ['md5']),
          client.hash([small], ['sha1']),
        ]);
        expect(crashed).toMatchObject({ status: 'rejected' });
        const error = (crashed as PromiseRejectedResult).reason as Error;
        expect(error.message).toBe(
          `the checksum thread failed (Error: simulated defect) while hashing 2 files (the first ${doomed}); ` +
            'nothing of them was returned: hash them again (a new thread is started)',
        );
        expect(error.cause).toMatchObject({ message: 'simulated defect' });
        expect(next).toMatchObject({ status: 'fulfilled' });
        expect(sums((next as PromiseFulfilledResult<Array<FileHashResult | Error>>).value[0])).toEqual({
          sha1: 'a9993e364706816aba3e25717850c26c9cd0d89d',
        });
      } finally {
        await client.close();
      }
    });

    it('holds a process open only while it has work: a script awaiting hashMany prints, then exits', async () => {
      const file = path.join(dir, 'abc');
      writeFileSync(file, 'abc');
      // Two calls: the second starts once the thread went idle (released) after the first.
      const script = `
        const [loader, adapter, file] = process.argv.slice(1);
        const { NodeFileHasher } = require(loader).loadFile(adapter);
        const hasher = new NodeFileHasher();
        hasher.hashMany([file], { algorithms: ['md5'] })
          .then((results) => process.stdout.write(results[0].checksums[0].value + ' '))
          .then(() => hasher.hashMany([file], { algorithms: ['sha1'] }))
          .then((results) => process.stdout.write(results[0].checksums[0].value));
      `;
      const adapter = path.join(__dirname, 'file-hasher.adapter.ts');
      // An idle thread holding the process would end in the timeout; one not held during a call
      // would let the process exit before printing.
      const { stdout } = await run(process.execPath, ['-e', script, LOADER, adapter, file], {
        cwd: REPO_ROOT,
        timeout: 60_000,
      });
      expect(stdout).toBe('900150983cd24fb0d6963f7d28e17f72 a9993e364706816aba3e25717850c26c9cd0d89d');
    });
  });
});

interface ChildResult {
  uid: number | undefined;
  outcomes: Array<
    | { ok: true; md5: string }
    | { ok: false; name: string; reason: string; permanent: boolean; cause: string; message: string }
  >;
}

/**
 * Runs hashMany of the real adapter in a child Node process (TypeScript compiled on the fly by the
 * thread loader) that drops to uid/gid 65534 when it runs as root, after a first call has started
 * the checksum thread with every module loaded.
 */
async function hashManyInUnprivilegedChild(files: readonly string[]): Promise<ChildResult> {
  const script = `
    const [loader, adapter, warmUp, ...files] = process.argv.slice(1);
    const { NodeFileHasher } = require(loader).loadFile(adapter);
    const hasher = new NodeFileHasher();
    (async () => {
      await hasher.hashMany([warmUp], { algorithms: ['md5'] });
      if (process.getuid() === 0) { process.setgroups([]); process.setgid(65534); process.setuid(65534); }
      const results = await hasher.hashMany(files, { algorithms: ['md5'] });
      const outcomes = results.map((result) => {
        if (!(result instanceof Error)) return { ok: true, md5: result.checksums[0].value };
        const { name, reason, permanent, message, cause } = result;
        return { ok: false, name, reason, permanent, cause: cause && cause.code, message };
      });
      process.stdout.write(JSON.stringify({ uid: process.getuid(), outcomes }));
    })();
  `;
  const adapter = path.join(REPO_ROOT, 'libs/storage/src/hashing/file-hasher.adapter.ts');
  const warmUp = path.join(REPO_ROOT, 'package.json');
  const { stdout } = await run(process.execPath, ['-e', script, LOADER, adapter, warmUp, ...files], {
    cwd: REPO_ROOT,
    timeout: 60_000,
  });
  return JSON.parse(stdout) as ChildResult;
}
