import { randomUUID } from 'node:crypto';

import { z } from 'zod';

import { retryDelayBounds, totalAttempts } from './backoff';
import { checksumFileJob, findJob, JOB_CATALOGUE, transcodeAssetJob } from './catalogue';
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
  const payload = {
    fileId: randomUUID(),
    assetId: randomUUID(),
    path: 'projects/x/clip.mxf',
    size: 10,
    mtimeMs: 1,
    algorithms: ['md5'],
  };

  it('returns the typed payload', () => {
    expect(parsePayload(checksumFileJob, payload)).toEqual(payload);
  });

  it('names the job and every bad field', () => {
    let error: unknown;
    try {
      parsePayload(checksumFileJob, { ...payload, fileId: 'nope', path: '/abs/path', algorithms: [] });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(InvalidPayloadError);
    const invalid = error as InvalidPayloadError;
    expect(invalid.permanent).toBe(true);
    expect(invalid.issues.map((issue) => issue.field).sort()).toEqual(['algorithms', 'fileId', 'path']);
    expect(invalid.message).toContain('"checksum.file"');
    expect(invalid.message).toContain('path: must be relative to the storage root');
  });

  it('refuses paths that escape the storage root', () => {
    expect(() => parsePayload(checksumFileJob, { ...payload, path: 'a/../../etc' })).toThrow(
      /"\.\." segments/,
    );
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
