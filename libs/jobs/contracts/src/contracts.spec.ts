import { randomUUID } from 'node:crypto';

import { z } from 'zod';

import { retryDelayBounds, totalAttempts } from './backoff';
import {
  CHECKSUM_JOB_MAX_FILES,
  checksumFileJob,
  findJob,
  JOB_CATALOGUE,
  transcodeAssetJob,
} from './catalogue';
import { CHECKSUM_JOB_MAX_BYTES, CHECKSUM_SMALL_FILE_BYTES, checksumJobsFor } from './checksum-jobs';
import { defineJob, InvalidJobDefinitionError } from './define-job';
import { InvalidPayloadError, parsePayload } from './payload';
import { deadLetterQueueName, InvalidQueueNameError, parseQueueName, queueName } from './queue-name';

const CLUSTER = '0f3a61c2-7d4e-4b8a-9c1d-2e3f4a5b6c7d';

describe('queue names', () => {
  it('is compact, per cluster, and parses back', () => {
    const name = queueName(CLUSTER, 'checksum.file');
    expect(name).toBe('pt.0f3a61c27d4e4b8a9c1d2e3f4a5b6c7d.checksum.file');
    expect(name).toMatch(/^[\w.-]+$/);
    expect(parseQueueName(name)).toEqual({ kind: 'job', clusterId: CLUSTER, jobName: 'checksum.file' });
    expect(parseQueueName(deadLetterQueueName(CLUSTER))).toEqual({ kind: 'dead-letter', clusterId: CLUSTER });
  });

  it('never collides across clusters or with the dead letter', () => {
    const other = randomUUID();
    const names = new Set(
      [CLUSTER, other].flatMap((cluster) => [
        deadLetterQueueName(cluster),
        ...JOB_CATALOGUE.map((def) => queueName(cluster, def.name)),
      ]),
    );
    expect(names.size).toBe(2 * (JOB_CATALOGUE.length + 1));
    expect(queueName(CLUSTER.toUpperCase(), 'checksum.file')).toBe(queueName(CLUSTER, 'checksum.file'));
  });

  it('rejects what is not a cluster id or a job name', () => {
    expect(() => queueName('not-a-uuid', 'checksum.file')).toThrow(InvalidQueueNameError);
    expect(() => queueName(CLUSTER, '_dead')).toThrow(InvalidQueueNameError);
    expect(() => queueName(CLUSTER, 'Checksum File')).toThrow(InvalidQueueNameError);
    expect(parseQueueName('checksum.file')).toBeUndefined();
    expect(parseQueueName(`pt.${'0'.repeat(32)}.Bad_Name`)).toBeUndefined();
  });
});

describe('job definitions', () => {
  it('declares every product job once, with a unique name', () => {
    const names = JOB_CATALOGUE.map((def) => def.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toEqual([
      'checksum.file',
      'transcode.asset',
      'transfer.upload',
      'transfer.archive',
      'transfer.restore',
      'transfer.export',
    ]);
    expect(findJob('checksum.file')).toBe(checksumFileJob);
  });

  it('refuses an invalid definition with the reasons', () => {
    expect(() =>
      defineJob({
        name: 'Bad',
        role: 'MAIN',
        payload: z.object({}),
        retry: { limit: -1, delaySeconds: 0, backoff: false },
        deadLetter: true,
      }),
    ).toThrow(InvalidJobDefinitionError);
  });

  it('keys identical content and profile to one transcode', () => {
    const base = {
      assetId: randomUUID(),
      fileId: randomUUID(),
      sourcePath: 'a/b.mov',
      checksum: { algorithm: 'md5' as const, value: 'abc123' },
      profile: 'proxy',
    };
    const other = { ...base, assetId: randomUUID(), fileId: randomUUID(), sourcePath: 'c/d.mov' };
    expect(transcodeAssetJob.singletonKey?.(base)).toBe(transcodeAssetJob.singletonKey?.(other));
    expect(transcodeAssetJob.singletonKey?.(base)).not.toBe(
      transcodeAssetJob.singletonKey?.({ ...base, profile: 'poster' }),
    );
  });
});

describe('parsePayload', () => {
  const file = {
    fileId: randomUUID(),
    assetId: randomUUID(),
    path: 'projects/x/clip.mxf',
    size: 10,
    mtimeMs: 1,
  };
  const payload = { files: [file], algorithms: ['md5'] };

  it('returns the typed payload', () => {
    expect(parsePayload(checksumFileJob, payload)).toEqual(payload);
  });

  it('reads a one-file payload of an earlier version as a job of that file', () => {
    expect(parsePayload(checksumFileJob, { ...file, algorithms: ['md5', 'sha1'] })).toEqual({
      files: [file],
      algorithms: ['md5', 'sha1'],
    });
  });

  it('names the job and every bad field', () => {
    let error: unknown;
    try {
      parsePayload(transcodeAssetJob, {
        assetId: randomUUID(),
        fileId: 'nope',
        sourcePath: '/abs/path',
        checksum: { algorithm: 'md5', value: 'abc' },
        profile: 'Not A Profile',
      });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(InvalidPayloadError);
    const invalid = error as InvalidPayloadError;
    expect(invalid.permanent).toBe(true);
    expect(invalid.issues.map((issue) => issue.field).sort()).toEqual(['fileId', 'profile', 'sourcePath']);
    expect(invalid.message).toContain('"transcode.asset"');
    expect(invalid.message).toContain('sourcePath: must be relative to the storage root');
  });

  it('refuses paths that escape the storage root, in every file of a checksum job', () => {
    expect(() =>
      parsePayload(checksumFileJob, { ...payload, files: [file, { ...file, path: 'a/../../etc' }] }),
    ).toThrow(/"\.\." segments/);
  });

  it('refuses a checksum job of no file or of more than 100', () => {
    expect(() => parsePayload(checksumFileJob, { ...payload, files: [] })).toThrow(InvalidPayloadError);
    const many = Array.from({ length: CHECKSUM_JOB_MAX_FILES + 1 }, () => ({
      ...file,
      fileId: randomUUID(),
    }));
    expect(() => parsePayload(checksumFileJob, { ...payload, files: many })).toThrow(InvalidPayloadError);
  });
});

describe('checksumJobsFor', () => {
  const KiB = 1024;
  const target = (size: number) => ({
    fileId: randomUUID(),
    assetId: randomUUID(),
    path: `f/${randomUUID()}.bin`,
    size,
    mtimeMs: 1,
  });

  it('packs small files 100 to a job, in order', () => {
    const files = Array.from({ length: 250 }, () => target(4 * KiB));
    const jobs = checksumJobsFor(files, ['md5']);
    expect(jobs.map((job) => job.files.length)).toEqual([100, 100, 50]);
    expect(jobs.flatMap((job) => job.files)).toEqual(files);
    expect(jobs.every((job) => job.algorithms.join() === 'md5')).toBe(true);
  });

  it('sends a large file alone and bounds the bytes of small ones', () => {
    const big = target(CHECKSUM_SMALL_FILE_BYTES + 1);
    const small = Array.from({ length: 20 }, () => target(CHECKSUM_SMALL_FILE_BYTES));
    const jobs = checksumJobsFor([small[0]!, big, ...small.slice(1)], ['sha256']);
    expect(jobs[0]!.files).toEqual([big]);
    const perJob = CHECKSUM_JOB_MAX_BYTES / CHECKSUM_SMALL_FILE_BYTES;
    expect(jobs.slice(1).map((job) => job.files.length)).toEqual([perJob, 20 - perJob]);
  });

  it('names a job by its first file, apart from that file alone', () => {
    const files = [target(1), target(2)];
    const [together] = checksumJobsFor(files, ['md5']);
    const [alone] = checksumJobsFor(files.slice(0, 1), ['md5']);
    expect(checksumFileJob.singletonKey?.(together!)).toBe(`${files[0]!.fileId}:1:1+1`);
    expect(checksumFileJob.singletonKey?.(alone!)).toBe(`${files[0]!.fileId}:1:1`);
  });
});

describe('backoff', () => {
  it('doubles from the first delay, within jitter, capped', () => {
    const policy = { limit: 5, delaySeconds: 10, backoff: true, maxDelaySeconds: 60 };
    expect(retryDelayBounds(policy, 0)).toEqual({ minSeconds: 10, maxSeconds: 20 });
    expect(retryDelayBounds(policy, 1)).toEqual({ minSeconds: 20, maxSeconds: 40 });
    expect(retryDelayBounds(policy, 2)).toEqual({ minSeconds: 40, maxSeconds: 60 });
    expect(retryDelayBounds(policy, 3)).toEqual({ minSeconds: 60, maxSeconds: 60 });
    expect(totalAttempts(policy)).toBe(6);
  });

  it('is fixed without backoff', () => {
    expect(retryDelayBounds({ limit: 1, delaySeconds: 7, backoff: false }, 4)).toEqual({
      minSeconds: 7,
      maxSeconds: 7,
    });
  });
});
