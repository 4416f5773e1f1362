import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { GetObjectCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { type AssetDetail, type CatalogFile, ControlPlaneClient } from '@portico/control-plane-client';
import { ensureCommands, startApp, waitFor, type AppProcess } from '@portico/testing';

// The quick start of the README, as a user does it: `npm start` (= `portico up` on the embedded
// defaults), copy a video, an image and an audio file into the storage folder, and within a
// minute the catalog shows each checksummed and probed, with its proxy (and, for the video, its
// keyframes and poster) stored in the local S3 endpoint, and the asset ready. It is checked through
// the API, the bucket itself and `portico status`, all found the way a user finds them.

type FormatKind = CatalogFile['formatKind'];
type MediaKind = AssetDetail['kind'];

interface Sample {
  name: string;
  kind: MediaKind;
  /** ffmpeg arguments after `-y -v error`, before the output file. */
  ffmpeg: string[];
  /** The formats that must end up stored in the proxy store. */
  outputs: FormatKind[];
}

const SECONDS = 4;
const SAMPLES: Sample[] = [
  {
    name: 'clip.mp4',
    kind: 'video',
    ffmpeg: [
      ...['-f', 'lavfi', '-i', `testsrc=size=320x240:rate=25:duration=${SECONDS}`],
      ...['-f', 'lavfi', '-i', `sine=frequency=440:duration=${SECONDS}`],
      ...['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest'],
    ],
    outputs: ['PROXY', 'KEYFRAMES', 'POSTER'],
  },
  {
    name: 'still.png',
    kind: 'image',
    ffmpeg: ['-f', 'lavfi', '-i', 'testsrc=size=640x360', '-frames:v', '1'],
    outputs: ['PROXY'],
  },
  {
    name: 'tone.wav',
    kind: 'audio',
    ffmpeg: ['-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${SECONDS}`],
    outputs: ['PROXY'],
  },
];

/** The spec's promise for the quick start. */
const CATALOGUED_WITHIN_MS = 60_000;

let scratch: string;
let varDir: string;
let up: AppProcess | undefined;
let admin: ControlPlaneClient;
let clusterId: string;
let s3Endpoint: string;
/** The local S3 endpoint's keys, as `portico up` prints them. */
let s3Keys: { accessKeyId: string; secretAccessKey: string };
/** Set by the catalog test, read by the ones after it. */
let catalogued: Map<string, AssetDetail> | undefined;

beforeAll(async () => {
  ensureCommands([
    { command: 'ffmpeg', debianPackage: 'ffmpeg' },
    { command: 'ffprobe', debianPackage: 'ffmpeg' },
  ]);
  scratch = mkdtempSync(path.join(tmpdir(), 'portico-quickstart-'));
  // As root, the embedded PostgreSQL runs as the `postgres` user, which must enter this folder.
  chmodSync(scratch, 0o755);
  varDir = path.join(scratch, 'var');
  // The user's media is made elsewhere (here: outside the storage) and copied in later.
  mkdirSync(path.join(scratch, 'incoming'));
  for (const sample of SAMPLES)
    execFileSync('ffmpeg', ['-y', '-v', 'error', ...sample.ffmpeg, incoming(sample.name)], {
      timeout: 30_000,
    });

  // Exactly `npm start` (which builds, then runs `portico up` on its defaults) in a fresh folder,
  // with a free port instead of 8080 so that it can run beside anything else.
  up = startApp('cli', {
    args: ['up', '--var', varDir, '--storage', path.join(varDir, 'storage'), '--port', '0'],
    cwd: scratch,
  });
  await up.waitForLine(/^Portico is up: 1 node$/, 120_000);
  s3Endpoint = /S3 endpoint\s+(http:\/\/127\.0\.0\.1:\d+)\s+buckets .*portico-proxies/.exec(
    await up.waitForLine(/S3 endpoint\s+http/),
  )![1]!;
  const [, accessKeyId, secretAccessKey] = /S3 keys\s+access key (\S+)\s+secret key (\S+)/.exec(
    await up.waitForLine(/S3 keys\s/),
  )!;
  s3Keys = { accessKeyId: accessKeyId!, secretAccessKey: secretAccessKey! };

  // The credentials `portico status` uses, from the context file `portico up` writes.
  const context = JSON.parse(readFileSync(path.join(varDir, 'context.json'), 'utf8')) as {
    controlPlaneUrl: string;
    token: string;
    clusterId: string;
  };
  admin = new ControlPlaneClient({ baseUrl: context.controlPlaneUrl, token: context.token });
  clusterId = context.clusterId;
}, 180_000);

afterAll(async () => {
  await up?.stop('SIGKILL');
  rmSync(scratch, { recursive: true, force: true });
});

describe('the quick start', () => {
  it('catalogues a video, an image and an audio file copied into the storage within a minute', async () => {
    const storage = path.join(varDir, 'storage');
    const copiedAt = performance.now();
    for (const sample of SAMPLES) copyFileSync(incoming(sample.name), path.join(storage, sample.name));

    const outcome = await waitFor(() => catalogState(), {
      description: `the three files catalogued with every output stored (or one failed), within ${CATALOGUED_WITHIN_MS / 1000} s`,
      timeoutMs: CATALOGUED_WITHIN_MS,
      intervalMs: 500,
    });
    const elapsed = (performance.now() - copiedAt) / 1000;
    process.stderr.write(`quickstart: copy → all three catalogued and stored in ${elapsed.toFixed(1)} s\n`);
    expect(outcome.failed).toEqual([]);
    catalogued = outcome.assets;

    expect([...catalogued.keys()].sort()).toEqual(SAMPLES.map((sample) => sample.name).sort());
    for (const sample of SAMPLES) {
      const asset = catalogued.get(sample.name)!;
      expect(asset).toMatchObject({ kind: sample.kind, path: sample.name, removed: false });
      // Every output it should have is stored: the asset is ready, in the same commit as the last one.
      expect(asset.status).toBe('ready');
      const [original, ...others] = filesOf(asset, 'ORIGINAL');
      expect(others).toEqual([]);
      expect(original).toMatchObject({ location: 'storage', path: sample.name, status: 'checksummed' });
      // The checksum is the file's real one, not just "some digest".
      expect(original!.checksums.md5).toBe(md5(readFileSync(incoming(sample.name))));
      for (const kind of sample.outputs) {
        const files = filesOf(asset, kind);
        expect(files.length).toBeGreaterThan(0);
        for (const file of files) {
          expect(file).toMatchObject({ location: 'object_store', status: 'stored' });
          expect(file.size).toBeGreaterThan(0);
          expect(file.checksums.md5).toMatch(/^[0-9a-f]{32}$/);
        }
      }
    }

    // Media info: what ffprobe found matches what was made.
    expect(catalogued.get('clip.mp4')!.mediaInfo).toMatchObject({
      durationSeconds: expect.closeTo(SECONDS, 0) as unknown,
      streams: expect.arrayContaining([
        expect.objectContaining({ type: 'video', codec: 'h264', width: 320, height: 240 }),
        expect.objectContaining({ type: 'audio', codec: 'aac' }),
      ]) as unknown,
    });
    expect(catalogued.get('still.png')!.mediaInfo).toMatchObject({
      streams: [{ codec: 'png', width: 640, height: 360 }],
    });
    expect(catalogued.get('tone.wav')!.mediaInfo).toMatchObject({
      durationSeconds: expect.closeTo(SECONDS, 0) as unknown,
      streams: [{ type: 'audio', codec: 'pcm_s16le', sampleRate: 48_000 }],
    });
  }, 90_000);

  it('has every output in the local S3 bucket portico-proxies, with the catalogued size and checksum', async () => {
    const assets = requireCatalogued();
    const { items: stores } = await admin.listObjectStores(clusterId);
    const proxyStore = stores.find((store) => store.purpose === 'proxy');
    expect(proxyStore).toMatchObject({ bucket: 'portico-proxies', endpoint: s3Endpoint, prefix: '' });
    // The SDK's notice about its future releases on Node 20 would bury this test's own output.
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
    const s3 = new S3Client({
      endpoint: s3Endpoint,
      region: proxyStore!.region,
      forcePathStyle: true,
      // The keys `portico up` printed: what a user would give aws-cli to look into the bucket.
      credentials: s3Keys,
      // s3rver does not know the SDK's newer default checksums (see libs/object-store).
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    try {
      const outputs = [...assets.values()].flatMap((asset) =>
        asset.formats.flatMap((format) => format.files.filter((file) => file.location === 'object_store')),
      );
      // One proxy each, plus the video's keyframes (one per 10 s: one here) and poster.
      expect(outputs.length).toBeGreaterThanOrEqual(5);
      for (const file of outputs) {
        expect(file.objectStoreId).toBe(proxyStore!.id);
        const target = { Bucket: 'portico-proxies', Key: file.objectKey! };
        const head = await s3.send(new HeadObjectCommand(target));
        expect({ key: file.objectKey, size: head.ContentLength }).toEqual({
          key: file.objectKey,
          size: file.size,
        });
        const body = await (await s3.send(new GetObjectCommand(target))).Body!.transformToByteArray();
        expect({ key: file.objectKey, md5: md5(body) }).toEqual({
          key: file.objectKey,
          md5: file.checksums.md5,
        });
      }
    } finally {
      s3.destroy();
    }
  });

  it('`portico status` and `portico jobs` show the cluster operational with the pipeline drained', async () => {
    requireCatalogued();
    // Run where `portico up` was started, so they find var/context.json like a person would.
    // The storage line counts the files of the last completed scan; while a scan runs (every
    // 10 s, briefly) it shows that scan's progress instead, so wait for the idle line.
    const status = await waitFor(
      async () => {
        const run = await portico('status');
        return run.code !== 0 || /^storage local-storage {2}idle .*\(3 files,/m.test(run.out)
          ? run
          : undefined;
      },
      {
        description: '`portico status` showing the storage idle with 3 files',
        timeoutMs: 15_000,
        intervalMs: 500,
      },
    );
    process.stderr.write(`portico status:\n${status.out}\n`);
    expect({ code: status.code, err: status.err }).toEqual({ code: 0, err: '' });
    expect(status.out).toMatch(/^cluster local \(\S+\) {2}operational$/m);
    expect(status.out).toMatch(/^leader {2}node-1 {2}term \d+/m);
    expect(status.out).toMatch(/^node-1\s+MAIN,CHECKSUM,TRANSCODE,TRANSFER\s+Active\s+yes \(term \d+\)/m);
    // The catalog block: three assets, their originals checksummed, every output made stored.
    expect(status.out).toMatch(/^catalog 3 assets: 3 ready$/m);
    expect(status.out).toMatch(/^originals 3 files, \d+\.\d [KMG]iB: 3 checksummed$/m);
    expect(status.out).toMatch(/^outputs (\d+)\/\1 stored: PROXY 3\/3, KEYFRAMES (\d+)\/\2, POSTER 1\/1$/m);
    expect(status.out).toMatch(/^jobs {4}\d+ queued, \d+ active, \d+ dead letters?; 0 events pending$/m);

    // Nothing left queued, running or dead once the catalog shows everything stored.
    const jobs = await waitFor(
      async () => {
        const run = await portico('jobs');
        return /: 0 queued, 0 active, 0 leases, 0 dead letters$/m.test(run.out) ? run : undefined;
      },
      {
        description: '`portico jobs` showing nothing queued, active or dead',
        timeoutMs: 15_000,
        intervalMs: 500,
      },
    );
    expect(jobs.code).toBe(0);
  });

  it('stops cleanly on Ctrl-C', async () => {
    const status = await up!.stop('SIGINT', 60_000);
    expect(status).toEqual({ code: 0, signal: null });
    expect(up!.stdout).toContain('portico up: stopped cleanly');
    // The console shows a child's warnings, errors and any raw output (a crash); a clean quick
    // start has no errors or raw output, and warnings alone are tolerated (a loaded machine).
    expect(up!.stdout.filter((line) => /^ {2}\[[\w-]+\] (?!warn: )/.test(line))).toEqual([]);
  });
});

function incoming(name: string): string {
  return path.join(scratch, 'incoming', name);
}

function md5(data: Uint8Array): string {
  return createHash('md5').update(data).digest('hex');
}

function filesOf(asset: AssetDetail, kind: FormatKind): CatalogFile[] {
  return asset.formats.filter((format) => format.kind === kind).flatMap((format) => format.files);
}

/**
 * The catalog as the API shows it: done when each sample is probed and checksummed and every
 * expected output is stored; also done (to fail at once with the reason) when anything failed.
 */
async function catalogState(): Promise<{ assets: Map<string, AssetDetail>; failed: string[] } | undefined> {
  const { items } = await admin.listAssets(clusterId, { limit: 100 });
  const assets = new Map<string, AssetDetail>();
  for (const item of items) assets.set(item.path, await admin.getAsset(item.id));
  const failed = [...assets.values()].flatMap((asset) => [
    ...(asset.status === 'failed' ? [`asset ${asset.path}: ${asset.statusReason}`] : []),
    ...asset.formats.flatMap((format) =>
      format.files
        .filter((file) => file.status === 'failed')
        .map((file) => `${format.kind} of ${asset.path}: ${file.statusReason}`),
    ),
  ]);
  if (failed.length > 0) return { assets, failed };
  const complete = SAMPLES.every((sample) => {
    const asset = assets.get(sample.name);
    return (
      asset?.mediaInfo &&
      filesOf(asset, 'ORIGINAL').some((file) => file.checksums.md5) &&
      sample.outputs.every((kind) => {
        const files = filesOf(asset, kind);
        return files.length > 0 && files.every((file) => file.status === 'stored');
      })
    );
  });
  return complete ? { assets, failed } : undefined;
}

function requireCatalogued(): Map<string, AssetDetail> {
  if (!catalogued) throw new Error('the catalog test did not complete; see its failure above');
  return catalogued;
}

/** Runs `portico <args>` to completion in the folder `portico up` runs in. */
async function portico(...args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  const cli = startApp('cli', { args, cwd: scratch });
  // 'close' comes after the output streams ended, so every line has been read by then.
  await new Promise((resolve) => cli.child.once('close', resolve));
  const { code } = await cli.exited;
  return { code, out: cli.stdout.join('\n'), err: cli.stderr.join('\n') };
}
