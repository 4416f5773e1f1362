// transcode.asset (SPEC 2.6 TRANSCODE): probe the original, make the profile's output once per
// content and profile in the cluster (content-addressed on the shared storage, so a retry or a
// second asset with the same content reuses it), then, in ONE transaction fenced by this attempt,
// record the outputs in the catalog as pending files of the proxy store and enqueue their uploads.
// The asset becomes ready in the transaction of whichever step stores or settles its last planned
// output: usually an upload, but a transcode with nothing left to upload or nothing to make too.
import { type CatalogFile, type OutputFormatKind, type SqlClient } from '@portico/catalog';
import { type JobPayload, transcodeAssetJob, transferUploadJob } from '@portico/jobs-contracts';
import { type JobContext, OnJob } from '@portico/jobs-runtime';
import {
  type FfmpegJob,
  type MediaInfo,
  MediaInputError,
  planTranscode,
  type TranscodePlan,
} from '@portico/media';
import { type TranscodeProfiles } from '@portico/settings';

import { jobForProfile } from '../support/job-selection';
import { formatKindOf, objectKeyOf, outputFolder } from '../support/output-layout';
import { UnknownProfileError } from '../support/transcode-errors';
import { heartbeatProgress } from '../support/transcode-progress';
import { type TranscodeServices } from '../support/transcode-services';

type TranscodeJob = JobContext<JobPayload<typeof transcodeAssetJob>>;

export interface TranscodeOutputFile {
  /** Storage-relative. */
  readonly path: string;
  readonly size: number;
  readonly md5: string;
  /** The catalog file in the proxy store (absent without a proxy store). */
  readonly fileId?: string;
  readonly key?: string;
}

export interface TranscodeOutput {
  readonly profile: string;
  readonly kind: TranscodePlan['kind'];
  readonly fingerprint: string;
  /** transcoded: ffmpeg ran; reused: the outputs existed; skipped: nothing to make for this kind and profile. */
  readonly outcome: 'transcoded' | 'reused' | 'skipped';
  readonly job?: FfmpegJob['name'];
  readonly outputs: readonly TranscodeOutputFile[];
  readonly proxyStoreId: string | null;
  /** Upload jobs this attempt enqueued (0 when they exist already). */
  readonly uploadsEnqueued: number;
  /** The asset is ready (every planned output stored) as this job's outcome commits. */
  readonly assetReady: boolean;
  readonly note?: string;
}

interface MadeOutputs {
  readonly folder: string;
  readonly files: readonly string[];
  readonly outcome: 'transcoded' | 'reused';
}

export class TranscodeHandler {
  constructor(private readonly services: TranscodeServices) {}

  @OnJob(transcodeAssetJob)
  async transcode(ctx: TranscodeJob): Promise<TranscodeOutput> {
    const { payload } = ctx;
    const { services } = this;
    const profiles = services.profiles();
    const profile = payload.profile;
    if (!isProfile(profiles, profile)) throw new UnknownProfileError(profile, Object.keys(profiles));
    const source = await services.paths.resolve(payload.sourcePath);
    const info = await this.failingPermanently(ctx, () =>
      services.media.probe(source, { signal: ctx.signal }),
    );
    const plan = planTranscode(info, profiles);
    const job = jobForProfile(plan, profile);
    // With nothing to make under this profile (e.g. keyframes of a file that probes as audio), its
    // planned output is dropped with the media info, and that may be what makes the asset ready.
    // The format is locked before the asset, in the order that recording outputs takes them.
    const assetReady = await ctx.withAttemptFence(async (client) => {
      if (!job)
        await services.catalog.dropExpectedOutput(
          client,
          services.clusterId,
          payload.assetId,
          formatKindOf(profile),
        );
      await services.catalog.recordMediaInfo(
        client,
        services.clusterId,
        payload.assetId,
        mediaInfoRecord(info),
        plan.kind,
      );
      return job ? false : this.markReadyIfComplete(client, payload.assetId);
    });
    const base = { profile, kind: plan.kind, fingerprint: plan.fingerprint };
    if (!job)
      return { ...base, outcome: 'skipped', outputs: [], proxyStoreId: null, uploadsEnqueued: 0, assetReady };

    const made = await this.make(ctx, job, source, outputFolder(payload.checksum.value, plan.fingerprint));
    const files = await this.describe(ctx, made);
    const proxyStoreId = (await services.proxyStore.proxyStoreId()) ?? null;
    if (proxyStoreId === null) {
      services.logger.warn(
        { assetId: payload.assetId, profile: payload.profile, folder: made.folder },
        'the cluster has no proxy object store; the outputs stay on the storage only',
      );
      return {
        ...base,
        outcome: made.outcome,
        job: job.name,
        outputs: files.map(({ path, size, md5 }) => ({ path, size, md5 })),
        proxyStoreId,
        uploadsEnqueued: 0,
        assetReady: false,
        note: 'the cluster has no proxy object store: outputs are on the storage only, not catalogued or uploaded',
      };
    }
    const { recorded, ready } = await ctx.withAttemptFence(async (client) => {
      const outputs = await this.recordOutputs(
        client,
        ctx,
        formatKindOf(job.name),
        plan.fingerprint,
        proxyStoreId,
        files,
      );
      // Nothing to upload (all stored before, e.g. a repeated job): this may be the last step.
      return { recorded: outputs, ready: await this.markReadyIfComplete(client, payload.assetId) };
    });
    const uploadsEnqueued = recorded.filter((file) => file.enqueued).length;
    if (uploadsEnqueued > 0) services.producer.wake(transferUploadJob, services.clusterId);
    services.logger.info(
      {
        assetId: payload.assetId,
        profile: payload.profile,
        outcome: made.outcome,
        files: files.length,
        uploadsEnqueued,
      },
      'transcode outputs recorded',
    );
    return {
      ...base,
      outcome: made.outcome,
      job: job.name,
      outputs: recorded.map(({ enqueued: _enqueued, ...file }) => file),
      proxyStoreId,
      uploadsEnqueued,
      assetReady: ready,
    };
  }

  /** Marks the asset ready if this transaction settles its last planned output; true when it is ready. */
  private async markReadyIfComplete(client: SqlClient, assetId: string): Promise<boolean> {
    const { services } = this;
    const { asset, becameReady } = await services.catalog.markReadyIfComplete(
      client,
      services.clusterId,
      assetId,
    );
    if (becameReady) services.logger.info({ assetId }, 'asset ready: every planned output is stored');
    return asset.status === 'ready';
  }

  /** The output of `job` for this content: found in the outputs folder, or made by ffmpeg now. */
  private async make(
    ctx: TranscodeJob,
    job: FfmpegJob,
    source: string,
    folderPath: string,
  ): Promise<MadeOutputs> {
    const { services } = this;
    const folder = await services.paths.resolve(folderPath);
    const target = `${folder}/${job.output.name}`;
    const existing = await services.outputs.finished(target, job.output);
    if (existing) return { folder, files: existing, outcome: 'reused' };
    const release = await services.slots.acquire(ctx.payload.profile, ctx.signal);
    try {
      // Another job of the same content may have finished while this one waited for its slot.
      const finished = await services.outputs.finished(target, job.output);
      if (finished) return { folder, files: finished, outcome: 'reused' };
      await services.outputs.ensureFolder(folder);
      const result = await this.failingPermanently(ctx, () =>
        services.media.run(job, source, target, {
          signal: ctx.signal,
          onProgress: heartbeatProgress(
            (progress) => ctx.heartbeat(progress),
            { profile: ctx.payload.profile, job: job.name },
            services.progressIntervalMs,
          ),
        }),
      );
      return { folder, files: result.outputs, outcome: 'transcoded' };
    } finally {
      release();
    }
  }

  /** Storage path, size and md5 of each output file (the upload verifies the object against it). */
  private async describe(
    ctx: TranscodeJob,
    made: MadeOutputs,
  ): Promise<Array<{ path: string; name: string; size: number; md5: string }>> {
    const described = [];
    for (const file of made.files) {
      if (!file.startsWith(`${made.folder}/`))
        throw new Error(`output ${file} is not inside its outputs folder ${made.folder}; this is a bug`);
      const hashed = await this.services.hasher.hash(file, { algorithms: ['md5'], signal: ctx.signal });
      described.push({
        path: await this.services.paths.relative(file),
        name: file.slice(made.folder.length + 1),
        size: hashed.size,
        md5: hashed.checksums[0]!.value,
      });
    }
    return described;
  }

  /**
   * One pending catalog file per output in the proxy store, and its upload job; both are
   * idempotent (an output already recorded is kept — never moved back from stored to pending —
   * and an upload job's id derives from its key), so a retried attempt adds nothing.
   */
  private async recordOutputs(
    client: SqlClient,
    ctx: TranscodeJob,
    formatKind: OutputFormatKind,
    fingerprint: string,
    proxyStoreId: string,
    files: ReadonlyArray<{ path: string; name: string; size: number; md5: string }>,
  ): Promise<Array<TranscodeOutputFile & { enqueued: boolean }>> {
    const { services } = this;
    const { payload } = ctx;
    const asset = await services.catalog.getAsset(client, payload.assetId, services.clusterId);
    const known = new Map<string, CatalogFile>();
    for (const format of asset?.formats ?? [])
      for (const file of format.files)
        if (file.objectStoreId === proxyStoreId && file.objectKey && !file.removed)
          known.set(file.objectKey, file);
    const recorded = [];
    for (const file of files) {
      const key = objectKeyOf({
        checksumValue: payload.checksum.value,
        fingerprint,
        assetId: payload.assetId,
        name: file.name,
      });
      const current = known.get(key);
      const same =
        current?.formatKind === formatKind &&
        current.checksums['md5'] === file.md5 &&
        current.size === file.size;
      if (same && current.status === 'stored') {
        recorded.push({
          path: file.path,
          size: file.size,
          md5: file.md5,
          fileId: current.id,
          key,
          enqueued: false,
        });
        continue;
      }
      const fileId =
        same && current.status === 'pending'
          ? current.id
          : (
              await services.catalog.addObjectFile(client, {
                clusterId: services.clusterId,
                assetId: payload.assetId,
                formatKind,
                objectStoreId: proxyStoreId,
                objectKey: key,
                size: file.size,
                checksums: { md5: file.md5 },
                status: 'pending',
              })
            ).file.id;
      const sent = await services.producer.send(
        transferUploadJob,
        services.clusterId,
        {
          assetId: payload.assetId,
          fileId,
          sourcePath: file.path,
          checksum: { algorithm: 'md5', value: file.md5 },
          destination: { storageId: proxyStoreId, key },
        },
        { db: client },
      );
      recorded.push({
        path: file.path,
        size: file.size,
        md5: file.md5,
        fileId,
        key,
        enqueued: sent !== null,
      });
    }
    return recorded;
  }

  /**
   * Runs a probe or an ffmpeg job; input ffmpeg cannot read (corrupt, truncated, unsupported) fails
   * the original file and its asset in the catalog with ffmpeg's reason, then ends the job for good.
   */
  private async failingPermanently<T>(ctx: TranscodeJob, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      if (!(error instanceof MediaInputError)) throw error;
      const { services } = this;
      const reason = `${error.tool} cannot read the file as media: ${error.reason}`;
      await ctx.withAttemptFence(async (client) => {
        await services.catalog.setFileStatus(
          client,
          services.clusterId,
          ctx.payload.fileId,
          'failed',
          reason,
        );
        await services.catalog.setAssetStatus(
          client,
          services.clusterId,
          ctx.payload.assetId,
          'failed',
          reason,
        );
      });
      services.logger.warn(
        {
          assetId: ctx.payload.assetId,
          fileId: ctx.payload.fileId,
          path: ctx.payload.sourcePath,
          reason: error.reason,
        },
        'original is not readable as media; file and asset marked failed',
      );
      throw error;
    }
  }
}

/** Profiles are named after the video jobs they make, hence formatKindOf(profile) once this holds. */
function isProfile(profiles: TranscodeProfiles, name: string): name is keyof TranscodeProfiles {
  return Object.hasOwn(profiles, name);
}

/** MediaInfo as the catalog's JSON column (a plain copy; undefined fields are dropped by JSON). */
function mediaInfoRecord(info: MediaInfo): Record<string, unknown> {
  return JSON.parse(JSON.stringify(info)) as Record<string, unknown>;
}
