// What follows a checksum, in its fenced transaction, on real services: PostgreSQL through
// pgBouncer for the catalog and pg-boss. A media file gets its transcode jobs and its outputs
// planned; with nothing to transcode, the asset is ready at once.
import { createHash, randomUUID } from 'node:crypto';
import { CatalogRepository } from '@portico/catalog';
import { createBoss, createPool, inTransaction, type PgBoss } from '@portico/db';
import { queueName, transcodeAssetJob } from '@portico/jobs-contracts';
import { ensureQueues, JobProducer } from '@portico/jobs-runtime';
import { useTestDatabase } from '@portico/testing';
import { type Pool } from 'pg';

import { type ChecksumFollowUpServices, recordChecksum } from './checksum-follow-up';

const db = useTestDatabase();
const T0 = new Date('2024-01-01T00:00:00.000Z');
let pool: Pool;
let boss: PgBoss;
let services: ChecksumFollowUpServices;
let storageId: string;

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
  services = { clusterId, catalog: new CatalogRepository(), producer: new JobProducer(boss) };
});

afterAll(async () => {
  await boss.stop({ graceful: false, timeout: 5_000 });
  await pool.end();
});

/** Catalogues a file as the scan does, then records its md5 as the checksum job does. */
async function checksum(path: string, content: Buffer) {
  const { catalog, clusterId } = services;
  const ingested = await catalog.ingest(pool, clusterId, storageId, {
    path,
    size: content.length,
    mtime: T0,
  });
  const md5 = createHash('md5').update(content).digest('hex');
  const followUp = await inTransaction(pool, (client) =>
    recordChecksum(client, services, {
      fileId: ingested.fileId,
      assetId: ingested.assetId,
      path,
      size: content.length,
      checksums: { md5 },
      primary: { algorithm: 'md5', value: md5 },
    }),
  );
  const detail = (await catalog.getAsset(pool, ingested.assetId, clusterId))!;
  return { followUp, detail };
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
    const followUp = await inTransaction(pool, (client) =>
      recordChecksum(client, services, {
        fileId,
        assetId: detail.asset.id,
        path: 'docs/report.txt',
        size: 13,
        checksums: { md5 },
        primary: { algorithm: 'md5', value: md5 },
      }),
    );
    expect(followUp.profiles).toEqual([]);
    const after = (await services.catalog.getAsset(pool, detail.asset.id))!;
    expect(after.asset.status).toBe('checksummed');
    expect(after.formats[0]!.files[0]!.status).toBe('failed');
  });
});
