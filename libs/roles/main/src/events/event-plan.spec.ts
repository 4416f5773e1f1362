import { randomUUID } from 'node:crypto';

import type { Asset, CatalogEvent, CatalogFile, EventKind, FormatKind, MediaKind } from '@portico/catalog';
import { transcodeAssetJob, transferArchiveJob, transferExportJob } from '@portico/jobs-contracts';

import {
  archiveKey,
  type ClusterFacts,
  eventJobDefinition,
  eventJobKey,
  type EventPlan,
  type EventTarget,
  objectKeyProblem,
  planEvent,
} from './event-plan';

const CLUSTER = randomUUID();
const STORAGE = randomUUID();
const ARCHIVE = randomUUID();
const PROXY = randomUUID();
const EXPORT = randomUUID();
const MD5 = 'd41d8cd98f00b204e9800998ecf8427e';
const OTHER_MD5 = '0cc175b9c0f1b6a831c399e269772661';

const facts: ClusterFacts = {
  storage: { id: STORAGE, deletePolicy: 'storage-only' },
  objectStores: [
    { id: ARCHIVE, name: 'vault', purpose: 'archive' },
    { id: PROXY, name: 'proxies', purpose: 'proxy' },
    { id: EXPORT, name: 'delivery', purpose: 'export' },
  ],
  profiles: ['proxy', 'keyframes', 'poster'],
  profilesFor: (kind, size) =>
    size === 0 ? [] : kind === 'video' ? ['proxy', 'keyframes', 'poster'] : kind === 'other' ? [] : ['proxy'],
};

let clock = Date.parse('2030-01-01T00:00:00Z');

function asset(path: string, kind: MediaKind = 'video'): Asset {
  const at = new Date((clock += 1000));
  return {
    id: randomUUID(),
    clusterId: CLUSTER,
    storageId: STORAGE,
    name: path.slice(path.lastIndexOf('/') + 1),
    path,
    kind,
    mediaInfo: null,
    status: 'checksummed',
    statusReason: null,
    removed: false,
    removedAt: null,
    createdAt: at,
    updatedAt: at,
  };
}

function file(owner: Asset, overrides: Partial<CatalogFile> & { formatKind?: FormatKind } = {}): CatalogFile {
  const at = new Date((clock += 1000));
  const inStore = overrides.location === 'object_store';
  return {
    id: randomUUID(),
    clusterId: CLUSTER,
    assetId: owner.id,
    formatId: randomUUID(),
    formatKind: 'ORIGINAL',
    location: 'storage',
    storageId: inStore ? null : STORAGE,
    path: inStore ? null : owner.path,
    objectStoreId: null,
    objectKey: null,
    size: 1000,
    mtime: inStore ? null : at,
    inode: null,
    checksums: { md5: MD5 },
    status: inStore ? 'stored' : 'checksummed',
    statusReason: null,
    duplicateOf: null,
    removed: false,
    removedAt: null,
    createdAt: at,
    updatedAt: at,
    ...overrides,
  };
}

function target(owner: Asset, ...files: CatalogFile[]): EventTarget {
  return { asset: owner, files };
}

function event(
  kind: EventKind,
  targets: { assetIds?: string[]; fileIds?: string[] },
  parameters: Record<string, unknown> = {},
): CatalogEvent {
  const at = new Date();
  return {
    id: randomUUID(),
    clusterId: CLUSTER,
    kind,
    assetIds: targets.assetIds ?? [],
    fileIds: targets.fileIds ?? [],
    parameters,
    state: 'running',
    reason: null,
    claimedTerm: 4,
    claimedBy: randomUUID(),
    claimedAt: at,
    dispatchedAt: null,
    pendingJobs: null,
    failedJobs: 0,
    createdBy: 'admin',
    createdAt: at,
    updatedAt: at,
  };
}

function jobsOf(plan: EventPlan) {
  if (plan.action !== 'enqueue') throw new Error(`expected jobs, got ${JSON.stringify(plan)}`);
  return plan.jobs;
}

function reasonOf(plan: EventPlan): string {
  if (plan.action !== 'refuse') throw new Error(`expected a refusal, got ${JSON.stringify(plan)}`);
  return plan.reason;
}

describe('transcode', () => {
  it("sends one job per profile of the asset's kind, keyed by the event", () => {
    const clip = asset('shows/ep1/clip.mov');
    const original = file(clip);
    const request = event('transcode', { assetIds: [clip.id] });
    const jobs = jobsOf(planEvent(request, [target(clip, original)], facts));
    expect(jobs.map((job) => [job.def.name, job.payload])).toEqual(
      ['proxy', 'keyframes', 'poster'].map((profile) => [
        'transcode.asset',
        {
          assetId: clip.id,
          fileId: original.id,
          sourcePath: 'shows/ep1/clip.mov',
          checksum: { algorithm: 'md5', value: MD5 },
          profile,
        },
      ]),
    );
    expect(jobs[0]!.key).toBe(`event:${request.id}:${original.id}:proxy`);
  });

  it('sends only the profiles asked for, and refuses a profile the settings do not have', () => {
    const song = asset('music/a.wav', 'audio');
    const found = [target(song, file(song))];
    const jobs = jobsOf(
      planEvent(event('transcode', { assetIds: [song.id] }, { profiles: ['poster'] }), found, facts),
    );
    expect(jobs.map((job) => job.payload)).toMatchObject([{ profile: 'poster' }]);
    expect(
      reasonOf(
        planEvent(event('transcode', { assetIds: [song.id] }, { profiles: ['hd', 'proxy'] }), found, facts),
      ),
    ).toBe(
      'parameters.profiles: "hd" is not a transcode profile (the transcode_profiles setting has proxy, keyframes, poster)',
    );
  });

  it('refuses an asset that is not checksummed yet, and has nothing to do for a non-media file', () => {
    const raw = asset('raw/new.mxf');
    const reason = reasonOf(
      planEvent(
        event('transcode', { assetIds: [raw.id] }),
        [target(raw, file(raw, { checksums: {} }))],
        facts,
      ),
    );
    expect(reason).toContain(`asset ${raw.id} (raw/new.mxf) is not checksummed yet`);
    expect(reason).toContain('nothing was started');

    const doc = asset('docs/readme.pdf', 'other');
    const plan = planEvent(event('transcode', { assetIds: [doc.id] }), [target(doc, file(doc))], facts);
    expect(plan).toEqual({
      action: 'enqueue',
      jobs: [],
      notes: [`asset ${doc.id} (docs/readme.pdf): nothing to transcode for media kind other`],
    });
  });

  it('transcodes the named file, and one job per file and profile when the asset is named too', () => {
    const clip = asset('a/b.mp4', 'image');
    const older = file(clip, { path: 'a/b.mp4' });
    const named = file(clip, { path: 'a/b-v2.mp4', checksums: { sha256: 'ab'.repeat(32) } });
    const request = event('transcode', { assetIds: [clip.id], fileIds: [named.id, named.id] });
    const jobs = jobsOf(planEvent(request, [target(clip, older, named)], facts));
    // The asset's newest live original is the named one: both targets plan the same job, sent once.
    expect(jobs).toHaveLength(1);
    expect(jobs[0]!.payload).toMatchObject({
      fileId: named.id,
      sourcePath: 'a/b-v2.mp4',
      checksum: { algorithm: 'sha256', value: 'ab'.repeat(32) },
    });
  });
});

describe('archive', () => {
  it('archives the live original by asset and content; an archived one is skipped', () => {
    const clip = asset('in/clip.mov');
    const original = file(clip);
    const done = asset('in/old.mov');
    const doneOriginal = file(done);
    const copy = file(done, { location: 'object_store', objectStoreId: ARCHIVE, objectKey: 'x/y' });
    const request = event('archive', { assetIds: [clip.id, done.id] });
    const plan = planEvent(request, [target(clip, original), target(done, doneOriginal, copy)], facts);
    const jobs = jobsOf(plan);
    expect(jobs).toHaveLength(1);
    expect(jobs[0]).toEqual({
      def: transferArchiveJob,
      payload: {
        requestId: request.id,
        assetId: clip.id,
        fileId: original.id,
        sourcePath: 'in/clip.mov',
        checksum: { algorithm: 'md5', value: MD5 },
        destination: { storageId: ARCHIVE, key: `${clip.id}/${MD5}/clip.mov` },
      },
      key: `${request.id}:${original.id}`,
    });
    expect(plan).toMatchObject({ notes: [`asset ${done.id} (in/old.mov) is already archived`] });
  });

  it('refuses without an archive store, and for an asset whose original is gone', () => {
    const clip = asset('in/clip.mov');
    const noArchive = { ...facts, objectStores: facts.objectStores.filter((s) => s.purpose !== 'archive') };
    expect(
      reasonOf(planEvent(event('archive', { assetIds: [clip.id] }), [target(clip, file(clip))], noArchive)),
    ).toContain('the cluster has no archive store');
    const gone = file(clip, { removed: true, removedAt: new Date() });
    expect(
      reasonOf(planEvent(event('archive', { assetIds: [clip.id] }), [target(clip, gone)], facts)),
    ).toContain('has no original on the storage to archive');
  });
});

describe('restore', () => {
  it('restores the archived copy to the asset path; an asset already on the storage is skipped', () => {
    const lost = asset('in/lost.mov');
    const removed = file(lost, { removed: true, removedAt: new Date() });
    const copy = file(lost, { location: 'object_store', objectStoreId: ARCHIVE, objectKey: 'k/lost.mov' });
    const kept = asset('in/kept.mov');
    const keptCopy = file(kept, {
      location: 'object_store',
      objectStoreId: ARCHIVE,
      objectKey: 'k/kept.mov',
    });
    const request = event('restore', { assetIds: [lost.id, kept.id] });
    const plan = planEvent(request, [target(lost, removed, copy), target(kept, file(kept), keptCopy)], facts);
    expect(jobsOf(plan).map((job) => job.payload)).toEqual([
      {
        requestId: request.id,
        assetId: lost.id,
        fileId: copy.id,
        source: { storageId: ARCHIVE, key: 'k/lost.mov' },
        targetPath: 'in/lost.mov',
        checksum: { algorithm: 'md5', value: MD5 },
      },
    ]);
    expect(plan).toMatchObject({ notes: [`asset ${kept.id} (in/kept.mov) is already on the storage`] });
  });

  it('refuses an asset that was never archived', () => {
    const clip = asset('in/clip.mov');
    expect(
      reasonOf(planEvent(event('restore', { assetIds: [clip.id] }), [target(clip, file(clip))], facts)),
    ).toBe(
      `asset ${clip.id} (in/clip.mov) has no archived original to restore; archive it first; nothing was started`,
    );
  });
});

describe('export', () => {
  it('exports the original under the prefix, and its stored outputs with includeOutputs', () => {
    const clip = asset('shows/ep1.mov');
    const original = file(clip);
    const proxy = file(clip, {
      formatKind: 'PROXY',
      location: 'object_store',
      objectStoreId: PROXY,
      objectKey: 'h/f/a/proxy.mp4',
      checksums: { md5: OTHER_MD5 },
    });
    const pending = file(clip, {
      formatKind: 'POSTER',
      location: 'object_store',
      objectStoreId: PROXY,
      objectKey: 'p.jpg',
      status: 'pending',
    });
    const request = event(
      'export',
      { assetIds: [clip.id] },
      { objectStoreId: EXPORT, prefix: 'deliveries/2030/', includeOutputs: true },
    );
    const jobs = jobsOf(planEvent(request, [target(clip, original, proxy, pending)], facts));
    expect(jobs.map((job) => [job.def, job.payload])).toEqual([
      [
        transferExportJob,
        {
          requestId: request.id,
          assetId: clip.id,
          fileId: original.id,
          sourcePath: 'shows/ep1.mov',
          destination: { storageId: EXPORT, key: 'deliveries/2030/shows/ep1.mov' },
        },
      ],
      [
        transferExportJob,
        {
          requestId: request.id,
          assetId: clip.id,
          fileId: proxy.id,
          sourcePath: 'shows/ep1.mov',
          profile: 'proxy',
          destination: { storageId: EXPORT, key: 'deliveries/2030/shows/ep1.mov.proxy.mp4' },
        },
      ],
    ]);
  });

  it('refuses a path traversal in the prefix, a store of another purpose and an unknown store', () => {
    const clip = asset('a.mov');
    const found = [target(clip, file(clip))];
    const plan = (parameters: Record<string, unknown>) =>
      planEvent(event('export', { assetIds: [clip.id] }, parameters), found, facts);
    expect(reasonOf(plan({ objectStoreId: EXPORT, prefix: '../../etc' }))).toBe(
      'parameters.prefix: must be relative ("a/b"), without empty, "." or ".." segments (event of kind export)',
    );
    expect(reasonOf(plan({ objectStoreId: PROXY }))).toBe(
      'parameters.objectStoreId: object store "proxies" has purpose proxy; export to a store with purpose export',
    );
    const unknown = randomUUID();
    expect(reasonOf(plan({ objectStoreId: unknown }))).toBe(
      `parameters.objectStoreId: object store ${unknown} is not an object store of this cluster`,
    );
    expect(reasonOf(plan({}))).toContain('parameters.objectStoreId: ');
  });
});

describe('delete', () => {
  it('lists the live originals; object-store copies are kept and said so under "everywhere"', () => {
    const clip = asset('x/clip.mov');
    const original = file(clip);
    const copy = file(clip, { location: 'object_store', objectStoreId: ARCHIVE, objectKey: 'k' });
    const everywhere = { ...facts, storage: { id: STORAGE, deletePolicy: 'everywhere' as const } };
    expect(
      planEvent(event('delete', { assetIds: [clip.id] }), [target(clip, original, copy)], everywhere),
    ).toEqual({
      action: 'delete',
      files: [{ fileId: original.id, assetId: clip.id, path: 'x/clip.mov' }],
      notes: ['1 copy in object stores kept: deleting object-store copies is not supported yet'],
    });
  });

  it('refuses under the forbid policy and for a named object-store copy', () => {
    const clip = asset('x/clip.mov');
    const copy = file(clip, { location: 'object_store', objectStoreId: ARCHIVE, objectKey: 'k' });
    const forbid = { ...facts, storage: { id: STORAGE, deletePolicy: 'forbid' as const } };
    expect(
      reasonOf(planEvent(event('delete', { assetIds: [clip.id] }), [target(clip, file(clip))], forbid)),
    ).toContain("the storage's delete policy is forbid");
    expect(
      reasonOf(planEvent(event('delete', { fileIds: [copy.id] }), [target(clip, file(clip), copy)], facts)),
    ).toContain('is a copy in an object store');
  });
});

describe('rescan', () => {
  it('asks for a scan of a directory or of the whole storage; refuses a path leaving the root', () => {
    expect(planEvent(event('rescan', {}, { directory: 'shows/ep1' }), [], facts)).toEqual({
      action: 'rescan',
      directory: 'shows/ep1',
    });
    expect(planEvent(event('rescan', {}), [], facts)).toEqual({ action: 'rescan', directory: null });
    expect(reasonOf(planEvent(event('rescan', {}, { directory: 'a/../../etc' }), [], facts))).toContain(
      'parameters.directory: ',
    );
    expect(reasonOf(planEvent(event('rescan', {}), [], { ...facts, storage: undefined }))).toContain(
      'the cluster has no storage to rescan',
    );
  });
});

describe('targets', () => {
  it('refuses an event naming assets or files the catalog does not have, listing them', () => {
    const clip = asset('a.mov');
    const [a, f] = [randomUUID(), randomUUID()];
    expect(
      reasonOf(
        planEvent(
          event('archive', { assetIds: [clip.id, a], fileIds: [f] }),
          [target(clip, file(clip))],
          facts,
        ),
      ),
    ).toBe(
      `asset ${a}; file ${f} are not in the catalog of cluster ${CLUSTER}; request the event again with existing targets`,
    );
    expect(reasonOf(planEvent(event('archive', {}), [], facts))).toBe(
      'an event of kind archive needs assetIds or fileIds; this one names none',
    );
  });

  it('lists five problems and counts the rest', () => {
    const assets = Array.from({ length: 7 }, (_, n) => asset(`r/${n}.mov`));
    const reason = reasonOf(
      planEvent(
        event('restore', { assetIds: assets.map((a) => a.id) }),
        assets.map((a) => target(a, file(a))),
        facts,
      ),
    );
    expect(reason.match(/has no archived original/g)).toHaveLength(5);
    expect(reason).toContain('; and 2 more; nothing was started');
  });
});

describe('job keys', () => {
  it('keys transcodes by the event, transfers by their request id (the catalogue key)', () => {
    const eventId = randomUUID();
    const fileId = randomUUID();
    const transcode = {
      assetId: randomUUID(),
      fileId,
      sourcePath: 'a.mov',
      checksum: { algorithm: 'md5' as const, value: MD5 },
      profile: 'proxy',
    };
    expect(eventJobKey(eventId, transcodeAssetJob, transcode)).toBe(`event:${eventId}:${fileId}:proxy`);
    expect(eventJobKey(eventId, transcodeAssetJob, transcode)).not.toBe(
      transcodeAssetJob.singletonKey!(transcode),
    );
    expect(eventJobDefinition(eventId, transcodeAssetJob).singletonKey!(transcode)).toBe(
      `event:${eventId}:${fileId}:proxy`,
    );
    const archive = {
      requestId: eventId,
      assetId: randomUUID(),
      fileId,
      sourcePath: 'a.mov',
      checksum: { algorithm: 'md5' as const, value: MD5 },
      destination: { storageId: ARCHIVE, key: 'k' },
    };
    expect(eventJobKey(eventId, transferArchiveJob, archive)).toBe(transferArchiveJob.singletonKey!(archive));
    expect(eventJobDefinition(eventId, transferArchiveJob)).toMatchObject({
      name: 'transfer.archive',
      retry: transferArchiveJob.retry,
    });
  });

  it('builds archive keys by asset and content, and checks object keys', () => {
    expect(archiveKey('A', MD5, 'deep/dir/clip.mov')).toBe(`A/${MD5}/clip.mov`);
    expect(objectKeyProblem('a/b.mov')).toBeUndefined();
    expect(objectKeyProblem('/a')).toBe('must be relative (no leading "/")');
    expect(objectKeyProblem('a/../b')).toBe('must not contain "." or ".." segments');
    expect(objectKeyProblem('a//b')).toBe('must not contain empty segments');
    expect(objectKeyProblem('x'.repeat(1025))).toBe('must be 1 to 1024 characters');
  });
});
