// What follows the checksums of a batch, in its fenced transaction, on real services: PostgreSQL through
// pgBouncer for the catalog and pg-boss. A media file gets its transcode jobs and its outputs
// planned; with nothing to transcode, the asset is ready at once.
import { createHash, randomUUID } from 'node:crypto';
import { CatalogRepository, ChecksumBatchRepository } from '@portico/catalog';
import { createBoss, createPool, inTransaction, type PgBoss } from '@portico/db';
import { queueName, transcodeAssetJob } from '@portico/jobs-contracts';
import { ensureQueues, JobProducer } from '@portico/jobs-runtime';
import { useTestDatabase } from '@portico/testing';
import { type Pool } from 'pg';

import {
  type ChecksumFollowUp,
  type ChecksumFollowUpServices,
  type HashedOriginal,
  recordChecksumBatch,
} from './checksum-follow-up';

const db = useTestDatabase();
const T0 = new Date('2024-01-01T00:00:00.000Z');
let pool: Pool;
let boss: PgBoss;
let services: ChecksumFollowUpServices;
let storageId: string;
const catalog = new CatalogRepository();

beforeAll(async () => {
  pool = createPool(db.url, { max: 4 });
  boss = createBoss(db.url, { supervise: false, schedule: false, max: 4, application_name: 'checksum-spec' });
  boss.on('error', () => undefined);
  await boss.start();
  const clusterId = randomUUID();
  storageId = randomUUID();
  await pool.query('INSERT INTO portico.clusters (id, name) VALUES ($1, $2)', [clusterId, `c-${clusterId}`]);
  await pool.query('INSERT INTO portico.storages (id, cluster_id, name) VALUES ($1, $2, $3)', [
    storageId,
    clusterId,
    'nas',
  ]);
  await ensureQueues(boss, clusterId, [transcodeAssetJob]);
  services = { clusterId, checksums: new ChecksumBatchRepository(), producer: new JobProducer(boss) };
});

afterAll(async () => {
  await boss.stop({ graceful: false, timeout: 5_000 });
  await pool.end();
});

/** Records a batch as the checksum handler does, in one transaction; each file's follow-up. */
async function record(originals: readonly HashedOriginal[]): Promise<ChecksumFollowUp[]> {
  const results = await inTransaction(pool, (client) => recordChecksumBatch(client, services, originals));
  return originals.map((original) => {
    const result = results.get(original.fileId);
    if (!result || result instanceof Error) throw result ?? new Error(`no result for ${original.fileId}`);
    return result;
  });
}

/** Catalogues a file as the scan does; the original its checksum job would hash. */
async function catalogued(path: string, content: Buffer): Promise<HashedOriginal> {
  const ingested = await catalog.ingest(pool, services.clusterId, storageId, {
    path,
    size: content.length,
    mtime: T0,
  });
  const md5 = createHash('md5').update(content).digest('hex');
  return {
    fileId: ingested.fileId,
    assetId: ingested.assetId,
    path,
    size: content.length,
    checksums: { md5 },
    primary: { algorithm: 'md5', value: md5 },
  };
}

/** Catalogues a file, then records its md5 alone. */
async function checksum(path: string, content: Buffer) {
  const original = await catalogued(path, content);
  const [followUp] = await record([original]);
  const detail = (await catalog.getAsset(pool, original.assetId, services.clusterId))!;
  return { followUp: followUp!, detail };
}

async function transcodeJobsOf(assetId: string): Promise<string[]> {
  const { rows } = await pool.query<{ profile: string }>(
    "SELECT data ->> 'profile' AS profile FROM pgboss.job WHERE name = $1 AND data ->> 'assetId' = $2 ORDER BY 1",
    [queueName(services.clusterId, transcodeAssetJob.name), assetId],
  );
  return rows.map((row) => row.profile);
}

describe('after a checksum', () => {
  const clip = Buffer.from(`the bytes of a clip ${randomUUID()}`);

  it('a file with nothing to transcode is ready at once', async () => {
    const { followUp, detail } = await checksum('docs/notes.txt', Buffer.from('minutes of the meeting'));
    expect(followUp).toEqual({ duplicateOf: null, profiles: [] });
    expect(detail.asset).toMatchObject({ kind: 'other', status: 'ready' });
    expect(detail.formats.map((format) => [format.kind, format.files[0]?.status])).toEqual([
      ['ORIGINAL', 'checksummed'],
    ]);
    expect(await transcodeJobsOf(detail.asset.id)).toEqual([]);
  });

  it('a video gets its transcode jobs and its outputs planned: checksummed, not ready yet', async () => {
    const { followUp, detail } = await checksum('media/clip.mp4', clip);
    expect(followUp.profiles).toEqual(['proxy', 'keyframes', 'poster']);
    expect(detail.asset).toMatchObject({ kind: 'video', status: 'checksummed' });
    expect(detail.formats.map((format) => [format.kind, format.files.length])).toEqual([
      ['ORIGINAL', 1],
      ['PROXY', 0],
      ['KEYFRAMES', 0],
      ['POSTER', 0],
    ]);
    expect(await transcodeJobsOf(detail.asset.id)).toEqual(['keyframes', 'poster', 'proxy']);
  });

  it("a duplicate has nothing to make (the cluster has its content's outputs): ready at once", async () => {
    const { followUp, detail } = await checksum('media/copy-of-clip.mp4', clip);
    expect(followUp.profiles).toEqual([]);
    expect(followUp.duplicateOf).not.toBeNull();
    expect(detail.asset.status).toBe('ready');
    expect(await transcodeJobsOf(detail.asset.id)).toEqual([]);
  });

  it('a zero-byte file keeps its own status', async () => {
    const { followUp, detail } = await checksum('media/empty.mov', Buffer.alloc(0));
    expect(followUp.profiles).toEqual([]);
    expect(detail.asset.status).toBe('empty');
  });

  it('a checksum that differs from the recorded one fails the file: nothing follows, not ready', async () => {
    const { detail } = await checksum('docs/report.txt', Buffer.from('first version'));
    const fileId = detail.formats[0]!.files[0]!.id;
    // Back to checksummed, so that a readiness check after the mismatch would show.
    await pool.query("UPDATE portico.assets SET status = 'checksummed' WHERE id = $1", [detail.asset.id]);
    const md5 = 'f'.repeat(32);
    const [followUp] = await record([
      {
        fileId,
        assetId: detail.asset.id,
        path: 'docs/report.txt',
        size: 13,
        checksums: { md5 },
        primary: { algorithm: 'md5', value: md5 },
      },
    ]);
    expect(followUp!.profiles).toEqual([]);
    const after = (await catalog.getAsset(pool, detail.asset.id))!;
    expect(after.asset.status).toBe('checksummed');
    expect(after.formats[0]!.files[0]!.status).toBe('failed');
  });

  it('a batch: each file as if alone, two copies of new content linked within it, a vanished file apart', async () => {
    const song = Buffer.from(`a song ${randomUUID()}`);
    const originals = [
      await catalogued('batch/song.wav', song),
      await catalogued('batch/song-copy.wav', song),
      await catalogued('batch/still.jpg', Buffer.from(`a photo ${randomUUID()}`)),
      await catalogued('batch/readme.txt', Buffer.from(`notes ${randomUUID()}`)),
    ];
    const gone = await catalogued('batch/gone.txt', Buffer.from(`gone ${randomUUID()}`));
    await pool.query('DELETE FROM portico.files WHERE id = $1', [gone.fileId]);
    const results = await inTransaction(pool, (client) =>
      recordChecksumBatch(client, services, [...originals, gone]),
    );
    const [song1, song2, still, readme] = originals.map((original) => results.get(original.fileId));
    expect(song1).toEqual({ duplicateOf: null, profiles: ['proxy'] });
    expect(song2).toEqual({
      duplicateOf: { fileId: originals[0]!.fileId, assetId: originals[0]!.assetId },
      profiles: [],
    });
    expect(still).toEqual({ duplicateOf: null, profiles: ['proxy'] });
    expect(readme).toEqual({ duplicateOf: null, profiles: [] });
    expect(results.get(gone.fileId)).toBeInstanceOf(Error);
    expect((results.get(gone.fileId) as Error & { permanent: boolean }).permanent).toBe(true);
    const statuses = await Promise.all(
      originals.map(async (original) => (await catalog.getAsset(pool, original.assetId))!.asset.status),
    );
    expect(statuses).toEqual(['checksummed', 'ready', 'checksummed', 'ready']);
    expect(await transcodeJobsOf(originals[0]!.assetId)).toEqual(['proxy']);
    expect(await transcodeJobsOf(originals[1]!.assetId)).toEqual([]);
    expect(await transcodeJobsOf(originals[2]!.assetId)).toEqual(['proxy']);
  });
});
