// The TRANSCODE handler on real services: real ffmpeg/ffprobe on clips made by ffmpeg, PostgreSQL
// through pgBouncer for the catalog and pg-boss, and the real job consumer running each job.

import { copyFile, readdir, stat, truncate } from 'node:fs/promises';
import path from 'node:path';
import { createPool } from '@portico/db';
import { transcodeAssetJob, transferUploadJob } from '@portico/jobs-contracts';
import { TEMP_MARKER } from '@portico/media';
import { ensureCommands, harness, useTestDatabase, waitFor } from '@portico/testing';
import { type Pool } from 'pg';

import { type TranscodeOutput } from '../handlers/transcode.handler.provider';
import {
  clipArgs,
  ingestOriginal,
  jobsIn,
  makeMedia,
  payloadFor,
  type TranscodeNode,
  transcodeNode,
  type TranscodePayload,
} from './transcode-fixtures';

const db = useTestDatabase();
let pool: Pool;
let node: TranscodeNode;

beforeAll(async () => {
  ensureCommands([
    { command: 'ffmpeg', debianPackage: 'ffmpeg' },
    { command: 'ffprobe', debianPackage: 'ffmpeg' },
  ]);
  pool = createPool(db.url, { max: 8 });
  node = await transcodeNode(pool, db.url, harness().tmpDir);
  node.startConsumer();
});

afterAll(async () => {
  await node.close();
  await pool.end();
});

/** Sends a transcode job (a fresh id unless the payload's idempotency key is wanted) and waits for it to settle. */
async function run(payload: TranscodePayload, options: { fresh?: boolean } = {}) {
  const id = await node.producer.send(transcodeAssetJob, node.clusterId, payload, {
    ...(options.fresh ? { idempotencyKey: null } : {}),
  });
  if (!id) throw new Error('the job was not sent (its idempotency key exists already)');
  let view = await node.admin.getJob(node.clusterId, id);
  await waitFor(
    async () => {
      view = await node.admin.getJob(node.clusterId, id);
      return view?.state === 'completed' || view?.state === 'failed';
    },
    { description: `transcode job ${id} settled`, timeoutMs: 60_000, intervalMs: 100 },
  );
  return { id, view: view! };
}

async function filesOf(assetId: string) {
  const asset = await node.catalog.getAsset(pool, assetId, node.clusterId);
  return asset!.formats.flatMap((format) => (format.kind === 'ORIGINAL' ? [] : format.files));
}

async function assetOf(assetId: string) {
  return (await node.catalog.getAsset(pool, assetId, node.clusterId))!;
}

/** What the upload of each output records (the TRANSFER role's medium tests run the real one). */
async function storeOutputs(assetId: string): Promise<void> {
  for (const file of await filesOf(assetId))
    await node.catalog.addObjectFile(pool, {
      clusterId: node.clusterId,
      assetId,
      formatKind: file.formatKind,
      objectStoreId: file.objectStoreId!,
      objectKey: file.objectKey!,
      size: file.size,
      checksums: file.checksums,
      status: 'stored',
    });
}

async function listTree(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { recursive: true }).catch(() => [] as string[]);
  return entries.map(String).sort();
}

describe('a video', () => {
  let original: Awaited<ReturnType<typeof ingestOriginal>>;
  const outputs: Record<string, TranscodeOutput> = {};

  beforeAll(async () => {
    await makeMedia(node.root, 'media/clip.mp4', clipArgs(3));
    original = await ingestOriginal(pool, node, 'media/clip.mp4');
    // As the CHECKSUM role plans them with the jobs.
    await node.catalog.expectOutputs(pool, node.clusterId, original.assetId, [
      'PROXY',
      'KEYFRAMES',
      'POSTER',
    ]);
    for (const profile of ['proxy', 'keyframes', 'poster']) {
      const { view } = await run(payloadFor(original, profile));
      expect(view.state).toBe('completed');
      outputs[profile] = view.output as TranscodeOutput;
    }
  });

  it('gets a proxy, keyframes and a poster in the content-addressed outputs folder', async () => {
    expect(node.media.runs.sort()).toEqual(['keyframes', 'poster', 'proxy']);
    const fingerprint = outputs['proxy']!.fingerprint;
    const folder = path.join(node.root, '.portico/outputs', original.md5, fingerprint);
    const tree = await listTree(folder);
    expect(tree).toEqual(
      expect.arrayContaining(['proxy.mp4', 'poster.jpg', 'keyframes', 'keyframes/keyframe-00001.jpg']),
    );
    expect(tree.some((name) => name.includes(TEMP_MARKER))).toBe(false);
    expect((await stat(path.join(folder, 'proxy.mp4'))).size).toBeGreaterThan(1000);
    expect(outputs['proxy']).toMatchObject({ kind: 'video', outcome: 'transcoded', job: 'proxy' });
    expect(outputs['keyframes']!.outputs.length).toBeGreaterThanOrEqual(1);
  });

  it('records the media info and one pending proxy-store file per output', async () => {
    const asset = await node.catalog.getAsset(pool, original.assetId, node.clusterId);
    expect(asset!.asset.kind).toBe('video');
    expect(typeof asset!.asset.mediaInfo?.['durationSeconds']).toBe('number');
    const files = await filesOf(original.assetId);
    const expected = Object.values(outputs).flatMap((output) => output.outputs);
    expect(files).toHaveLength(expected.length);
    for (const file of files) {
      expect(file).toMatchObject({
        location: 'object_store',
        objectStoreId: node.proxyStoreId,
        status: 'pending',
      });
      const output = expected.find((candidate) => candidate.fileId === file.id)!;
      expect(file.objectKey).toBe(output.key);
      expect(file.checksums['md5']).toBe(output.md5);
      expect(file.size).toBe((await stat(path.join(node.root, output.path))).size);
    }
    expect([...new Set(files.map((file) => file.formatKind))].sort()).toEqual([
      'KEYFRAMES',
      'POSTER',
      'PROXY',
    ]);
    // Not ready while its outputs wait for their uploads.
    expect(asset!.asset.status).toBe('checksummed');
    expect(Object.values(outputs).map((output) => output.assetReady)).toEqual([false, false, false]);
  });

  it('enqueues exactly one upload per output, naming its catalog file, path, md5 and key', async () => {
    const uploads = await jobsIn(pool, node.clusterId, transferUploadJob.name);
    const expected = Object.values(outputs).flatMap((output) => output.outputs);
    expect(uploads).toHaveLength(expected.length);
    for (const output of expected)
      expect(uploads.map((job) => job.data)).toContainEqual({
        assetId: original.assetId,
        fileId: output.fileId,
        sourcePath: output.path,
        checksum: { algorithm: 'md5', value: output.md5 },
        destination: { storageId: node.proxyStoreId, key: output.key },
      });
  });

  it('run again, reuses the outputs: no ffmpeg, no new catalog rows, no new upload jobs', async () => {
    const proxyFile = path.join(node.root, outputs['proxy']!.outputs[0]!.path);
    const before = await stat(proxyFile);
    const rowsBefore = (await filesOf(original.assetId)).map((file) => file.id).sort();
    const uploadsBefore = await jobsIn(pool, node.clusterId, transferUploadJob.name);
    const runsBefore = node.media.runs.length;
    for (const profile of ['proxy', 'keyframes', 'poster']) {
      const { view } = await run(payloadFor(original, profile), { fresh: true });
      expect(view.output).toMatchObject({ outcome: 'reused', uploadsEnqueued: 0 });
    }
    expect(node.media.runs).toHaveLength(runsBefore);
    const after = await stat(proxyFile);
    expect([after.ino, after.mtimeMs]).toEqual([before.ino, before.mtimeMs]);
    expect((await filesOf(original.assetId)).map((file) => file.id).sort()).toEqual(rowsBefore);
    expect(await jobsIn(pool, node.clusterId, transferUploadJob.name)).toEqual(uploadsBefore);
  });

  it('is made ready by a repeated transcode that finds every planned output stored already', async () => {
    await storeOutputs(original.assetId);
    expect((await assetOf(original.assetId)).asset.status).toBe('checksummed');
    const { view } = await run(payloadFor(original, 'poster'), { fresh: true });
    expect(view.output).toMatchObject({ outcome: 'reused', uploadsEnqueued: 0, assetReady: true });
    expect((await assetOf(original.assetId)).asset).toMatchObject({ status: 'ready', statusReason: null });
  });

  it('a second send of the same job is a no-op (its id derives from the content and profile)', async () => {
    const again = await node.producer.send(transcodeAssetJob, node.clusterId, payloadFor(original, 'proxy'));
    expect(again).toBeNull();
  });

  it('the same content under another asset reuses the outputs; its own rows and uploads are added', async () => {
    await copyFile(path.join(node.root, 'media/clip.mp4'), path.join(node.root, 'media/copy-of-clip.mp4'));
    const copy = await ingestOriginal(pool, node, 'media/copy-of-clip.mp4');
    expect(copy.md5).toBe(original.md5);
    const runsBefore = node.media.runs.length;
    const uploadsBefore = (await jobsIn(pool, node.clusterId, transferUploadJob.name)).length;
    const { view } = await run(payloadFor(copy, 'proxy'), { fresh: true });
    const output = view.output as TranscodeOutput;
    expect(output).toMatchObject({ outcome: 'reused', uploadsEnqueued: 1 });
    expect(output.outputs[0]!.path).toBe(outputs['proxy']!.outputs[0]!.path);
    expect(output.outputs[0]!.key).toContain(copy.assetId);
    expect(node.media.runs).toHaveLength(runsBefore);
    expect(await filesOf(copy.assetId)).toEqual([
      expect.objectContaining({ formatKind: 'PROXY', status: 'pending', objectKey: output.outputs[0]!.key }),
    ]);
    expect(await jobsIn(pool, node.clusterId, transferUploadJob.name)).toHaveLength(uploadsBefore + 1);
  });
});

describe('an MP4 with sound only', () => {
  it('drops the keyframes and poster it cannot have, and is ready when its proxy is stored', async () => {
    await makeMedia(node.root, 'media/tone-only.mp4', [
      ...['-f', 'lavfi', '-i', 'sine=frequency=440:duration=2'],
      ...['-c:a', 'aac'],
    ]);
    const original = await ingestOriginal(pool, node, 'media/tone-only.mp4');
    // Its name says video: the CHECKSUM role plans a video's outputs.
    await node.catalog.expectOutputs(pool, node.clusterId, original.assetId, [
      'PROXY',
      'KEYFRAMES',
      'POSTER',
    ]);
    const proxy = (await run(payloadFor(original, 'proxy'))).view.output as TranscodeOutput;
    expect(proxy).toMatchObject({
      kind: 'audio',
      outcome: 'transcoded',
      uploadsEnqueued: 1,
      assetReady: false,
    });
    await storeOutputs(original.assetId);

    const keyframes = (await run(payloadFor(original, 'keyframes'))).view.output as TranscodeOutput;
    expect(keyframes).toMatchObject({ outcome: 'skipped', assetReady: false });
    let asset = await assetOf(original.assetId);
    expect(asset.formats.map((format) => format.kind)).toEqual(['ORIGINAL', 'PROXY', 'POSTER']);
    expect(asset.asset.status).toBe('checksummed');

    // The last planned output settled by a transcode with nothing to make.
    const poster = (await run(payloadFor(original, 'poster'))).view.output as TranscodeOutput;
    expect(poster).toMatchObject({ outcome: 'skipped', assetReady: true });
    asset = await assetOf(original.assetId);
    expect(asset.formats.map((format) => format.kind)).toEqual(['ORIGINAL', 'PROXY']);
    expect(asset.asset).toMatchObject({ kind: 'audio', status: 'ready' });
  });
});

describe('a truncated MP4', () => {
  it("fails permanently with ffmpeg's reason, once, and the file and asset are marked failed", async () => {
    const absolute = await makeMedia(node.root, 'broken/truncated.mp4', clipArgs(2));
    await truncate(absolute, Math.floor((await stat(absolute)).size / 3));
    const original = await ingestOriginal(pool, node, 'broken/truncated.mp4');
    const runsBefore = node.media.runs.length;
    const { id, view } = await run(payloadFor(original, 'proxy'));
    expect(view.state).toBe('failed');
    expect(view.retryCount).toBe(0);
    expect(view.attempts).toHaveLength(1);
    const error = view.attempts[0]!.lastError ?? '';
    expect(error).toContain('cannot read');
    expect(error).toMatch(/moov atom not found|Invalid data found/);
    expect(node.media.runs).toHaveLength(runsBefore);
    const file = await node.catalog.getFile(pool, original.fileId, node.clusterId);
    const asset = await node.catalog.getAsset(pool, original.assetId, node.clusterId);
    expect(file?.status).toBe('failed');
    expect(file?.statusReason).toMatch(/moov atom not found|Invalid data/);
    expect(asset!.asset).toMatchObject({ status: 'failed' });
    const dead = await node.admin.listDeadLetters(node.clusterId);
    expect(dead.some((letter) => letter.sourceJobId === id)).toBe(true);
    expect(await filesOf(original.assetId)).toEqual([]);
  });
});

describe('an aborted transcode', () => {
  it('kills ffmpeg and leaves no temp files and no output', async () => {
    // Long enough that ffmpeg is still at work when the consumer stops.
    await makeMedia(node.root, 'long/long.mp4', clipArgs(40, '640x360'));
    const original = await ingestOriginal(pool, node, 'long/long.mp4');
    const id = await node.producer.send(transcodeAssetJob, node.clusterId, payloadFor(original, 'proxy'));
    await waitFor(
      async () => {
        const progress = (await node.admin.getJob(node.clusterId, id!))?.progress as {
          percent?: number;
        } | null;
        return (progress?.percent ?? 0) > 0;
      },
      { description: 'ffmpeg reported progress', timeoutMs: 60_000, intervalMs: 50 },
    );
    const outputsRoot = path.join(node.root, '.portico/outputs', original.md5);
    expect((await listTree(outputsRoot)).some((name) => name.includes(TEMP_MARKER))).toBe(true);
    // The node stops its consumer without grace: the running attempt is aborted and awaited.
    // stop() hands the job back without awaiting the aborted handler, so its cleanup is waited on.
    await node.close();
    await waitFor(async () => !(await listTree(outputsRoot)).some((name) => name.includes(TEMP_MARKER)), {
      description: 'the temp output of the aborted ffmpeg removed',
      timeoutMs: 10_000,
      intervalMs: 50,
    });
    expect((await listTree(outputsRoot)).filter((name) => name.endsWith('proxy.mp4'))).toEqual([]);
    expect(node.media.runs.at(-1)).toBe('proxy');
    node = await transcodeNode(pool, db.url, harness().tmpDir);
  });
});
