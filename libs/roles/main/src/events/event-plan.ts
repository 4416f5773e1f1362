// How one event becomes work (SPEC 1, 2.5), decided from rows already read, without IO: the jobs
// to send (queue, payload, idempotency key), or what the leader does itself (delete, rescan), or
// why the event is refused. The dispatcher runs the plan inside its term-fenced transaction.
//
// An event is all or nothing: one target the cluster cannot act on (unknown, not checksummed,
// nothing archived…) refuses the whole event with every reason, so the operator fixes the
// request and asks again, instead of half of it running unnoticed.
import {
  type Asset,
  baseName,
  type CatalogEvent,
  type CatalogFile,
  type FormatKind,
  type MediaKind,
} from '@portico/catalog';
import { type DeletePolicy, EVENT_PARAMETERS, type ObjectStorePurpose } from '@portico/control-plane-client';
import {
  CHECKSUM_ALGORITHMS,
  type JobDefinition,
  type JobPayload,
  payloadIssues,
  transcodeAssetJob,
  transferArchiveJob,
  transferExportJob,
  transferRestoreJob,
} from '@portico/jobs-contracts';

/** The job types an event can become. */
export const EVENT_JOBS = [
  transcodeAssetJob,
  transferArchiveJob,
  transferRestoreJob,
  transferExportJob,
] as const;
export type EventJobDefinition = (typeof EVENT_JOBS)[number];

export type PlannedJob = {
  [N in EventJobDefinition['name']]: {
    readonly def: Extract<EventJobDefinition, { name: N }>;
    readonly payload: JobPayload<Extract<EventJobDefinition, { name: N }>>;
    /** Idempotency key, scoped to the event: the job id is the same however often it is sent. */
    readonly key: string;
  };
}[EventJobDefinition['name']];

/**
 * The idempotency key of an event's job, so its job id is fixed by the event: a second send is a
 * no-op. Transfer jobs carry the event as `requestId` and the catalogue keys them by it already.
 * A transcode job is keyed by content and profile in the catalogue, which would make a repeated
 * request a no-op while the first job is still stored: an event asks for the work again, so its
 * transcode jobs are keyed by the event.
 */
export function eventJobKey(
  eventId: string,
  def: EventJobDefinition,
  payload: { readonly fileId: string; readonly profile?: string | undefined },
): string {
  if (def.name === transcodeAssetJob.name)
    return `event:${eventId}:${payload.fileId}:${payload.profile ?? ''}`;
  return (def.singletonKey as (payload: unknown) => string)(payload);
}

/** The definition an event's jobs are sent with: the catalogue's, keyed by eventJobKey. */
export function eventJobDefinition(eventId: string, def: EventJobDefinition): JobDefinition {
  return {
    ...def,
    singletonKey: (payload: { fileId: string; profile?: string }) => eventJobKey(eventId, def, payload),
  };
}

/** An asset the event names (directly or through one of its files) with all its files. */
export interface EventTarget {
  readonly asset: Asset;
  readonly files: readonly CatalogFile[];
}

/** What the plan needs to know about the cluster besides the targets. */
export interface ClusterFacts {
  readonly storage: { readonly id: string; readonly deletePolicy: DeletePolicy } | undefined;
  readonly objectStores: ReadonlyArray<{
    readonly id: string;
    readonly name: string;
    readonly purpose: ObjectStorePurpose;
  }>;
  /** The profile names of the transcode_profiles setting. */
  readonly profiles: readonly string[];
  /** The profiles a file of this kind and size gets when a transcode event names none. */
  profilesFor(kind: MediaKind, size: number): readonly string[];
}

export interface FileToDelete {
  readonly fileId: string;
  readonly assetId: string;
  /** Storage-relative. */
  readonly path: string;
}

export type EventPlan =
  /** Send these jobs (none: the event is done at once, `notes` say why). */
  | { readonly action: 'enqueue'; readonly jobs: readonly PlannedJob[]; readonly notes: readonly string[] }
  /** Delete these originals from the storage and mark them removed in the catalog. */
  | { readonly action: 'delete'; readonly files: readonly FileToDelete[]; readonly notes: readonly string[] }
  /** Ask the scan loop for a scan now. */
  | { readonly action: 'rescan'; readonly directory: string | null }
  /** The event fails with this reason; nothing is sent. */
  | { readonly action: 'refuse'; readonly reason: string };

/** Outputs an export with includeOutputs copies (keyframes are a folder of images, one object per frame). */
const EXPORTED_OUTPUTS: readonly FormatKind[] = ['PROXY', 'POSTER'];
/** How many problems a refusal lists before "and N more". */
const LISTED_PROBLEMS = 5;

export function planEvent(
  event: CatalogEvent,
  found: readonly EventTarget[],
  facts: ClusterFacts,
): EventPlan {
  switch (event.kind) {
    case 'rescan': {
      const params = parseParameters(event, EVENT_PARAMETERS.rescan);
      if (!params.ok) return params.refusal;
      if (!facts.storage)
        return refuse(
          'the cluster has no storage to rescan; create its storage, then request the rescan again',
        );
      return { action: 'rescan', directory: params.value.directory ?? null };
    }
    case 'transcode': {
      const params = parseParameters(event, EVENT_PARAMETERS.transcode);
      if (!params.ok) return params.refusal;
      const unknown = (params.value.profiles ?? []).filter((profile) => !facts.profiles.includes(profile));
      if (unknown.length > 0)
        return refuse(
          `parameters.profiles: ${unknown.map((p) => `"${p}"`).join(', ')} ${unknown.length > 1 ? 'are not transcode profiles' : 'is not a transcode profile'} ` +
            `(the transcode_profiles setting has ${facts.profiles.join(', ')})`,
        );
      const targets = resolveTargets(event, found);
      if (!targets.ok) return targets.refusal;
      return enqueue(planTranscode(event, targets.value, facts, params.value.profiles));
    }
    case 'archive': {
      const params = parseParameters(event, EVENT_PARAMETERS.archive);
      if (!params.ok) return params.refusal;
      const store = facts.objectStores.find((s) => s.purpose === 'archive');
      if (!store)
        return refuse(
          'the cluster has no archive store; add an object store with purpose archive, then request the archive again',
        );
      const targets = resolveTargets(event, found);
      if (!targets.ok) return targets.refusal;
      return enqueue(planArchive(event, targets.value, store.id));
    }
    case 'restore': {
      const params = parseParameters(event, EVENT_PARAMETERS.restore);
      if (!params.ok) return params.refusal;
      const archives = facts.objectStores.filter((s) => s.purpose === 'archive').map((s) => s.id);
      if (archives.length === 0)
        return refuse(
          'the cluster has no archive store to restore from; add the object store with purpose archive that holds the originals',
        );
      const targets = resolveTargets(event, found);
      if (!targets.ok) return targets.refusal;
      return enqueue(planRestore(event, targets.value, archives));
    }
    case 'export': {
      const params = parseParameters(event, EVENT_PARAMETERS.export);
      if (!params.ok) return params.refusal;
      const store = facts.objectStores.find((s) => s.id === params.value.objectStoreId);
      if (!store)
        return refuse(
          `parameters.objectStoreId: object store ${params.value.objectStoreId} is not an object store of this cluster`,
        );
      if (store.purpose !== 'export')
        return refuse(
          `parameters.objectStoreId: object store "${store.name}" has purpose ${store.purpose}; export to a store with purpose export`,
        );
      const targets = resolveTargets(event, found);
      if (!targets.ok) return targets.refusal;
      const options = {
        storeId: store.id,
        prefix: params.value.prefix ?? '',
        outputs: !!params.value.includeOutputs,
      };
      return enqueue(planExport(event, targets.value, options));
    }
    case 'delete': {
      const params = parseParameters(event, EVENT_PARAMETERS.delete);
      if (!params.ok) return params.refusal;
      if (!facts.storage) return refuse('the cluster has no storage to delete from');
      if (facts.storage.deletePolicy === 'forbid')
        return refuse(
          "the storage's delete policy is forbid; change it to storage-only or everywhere, then request the delete again",
        );
      const targets = resolveTargets(event, found);
      if (!targets.ok) return targets.refusal;
      const draft = planDelete(targets.value, facts.storage.deletePolicy);
      if (draft.problems.length > 0) return refuseProblems(draft.problems);
      return { action: 'delete', files: draft.items, notes: draft.notes };
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Per kind. Each returns jobs (or files) and problems; any problem refuses the event.

interface Target extends EventTarget {
  /** The file the event named, when it named one rather than the asset. */
  readonly named?: CatalogFile;
}

interface Draft<T> {
  readonly items: T[];
  readonly notes: string[];
  readonly problems: string[];
}

function planTranscode(
  event: CatalogEvent,
  targets: readonly Target[],
  facts: ClusterFacts,
  requested: readonly string[] | undefined,
): Draft<PlannedJob> {
  const draft = newDraft<PlannedJob>();
  for (const target of targets) {
    const source = liveOriginal(target);
    if (!source) {
      draft.problems.push(`${describe(target.asset)} has no original on the storage to transcode`);
      continue;
    }
    const checksum = checksumOf(source);
    if (!checksum) {
      draft.problems.push(
        `${describe(target.asset)} is not checksummed yet (it is transcoded after its checksum anyway)`,
      );
      continue;
    }
    const profiles = requested ?? facts.profilesFor(target.asset.kind, source.size);
    if (profiles.length === 0)
      draft.notes.push(`${describe(target.asset)}: nothing to transcode for media kind ${target.asset.kind}`);
    for (const profile of profiles)
      addJob(draft, {
        def: transcodeAssetJob,
        payload: { assetId: target.asset.id, fileId: source.id, sourcePath: source.path!, checksum, profile },
        key: eventJobKey(event.id, transcodeAssetJob, { fileId: source.id, profile }),
      });
  }
  return draft;
}

function planArchive(event: CatalogEvent, targets: readonly Target[], storeId: string): Draft<PlannedJob> {
  const draft = newDraft<PlannedJob>();
  for (const target of targets) {
    const source = liveOriginal(target);
    if (!source) {
      draft.problems.push(`${describe(target.asset)} has no original on the storage to archive`);
      continue;
    }
    const checksum = checksumOf(source);
    if (!checksum) {
      draft.problems.push(
        `${describe(target.asset)} is not checksummed yet; archives are verified against the checksum, request it once the file is checksummed`,
      );
      continue;
    }
    const archived = target.files.some(
      (file) =>
        isStoredCopy(file, 'ORIGINAL') &&
        file.objectStoreId === storeId &&
        file.checksums[checksum.algorithm] === checksum.value,
    );
    if (archived) {
      draft.notes.push(`${describe(target.asset)} is already archived`);
      continue;
    }
    const payload = {
      requestId: event.id,
      assetId: target.asset.id,
      fileId: source.id,
      sourcePath: source.path!,
      checksum,
      destination: { storageId: storeId, key: archiveKey(target.asset.id, checksum.value, source.path!) },
    };
    addJob(draft, {
      def: transferArchiveJob,
      payload,
      key: eventJobKey(event.id, transferArchiveJob, payload),
    });
  }
  return draft;
}

function planRestore(
  event: CatalogEvent,
  targets: readonly Target[],
  archiveStores: readonly string[],
): Draft<PlannedJob> {
  const draft = newDraft<PlannedJob>();
  const isArchived = (file: CatalogFile | undefined): file is CatalogFile =>
    !!file && isStoredCopy(file, 'ORIGINAL') && archiveStores.includes(file.objectStoreId!);
  for (const target of targets) {
    const copy = isArchived(target.named) ? target.named : newest(target.files.filter(isArchived));
    if (!copy) {
      draft.problems.push(`${describe(target.asset)} has no archived original to restore; archive it first`);
      continue;
    }
    const checksum = checksumOf(copy);
    if (!checksum) {
      draft.problems.push(
        `the archived copy of ${describe(target.asset)} has no checksum to verify a restore`,
      );
      continue;
    }
    const onStorage = target.files.some(
      (file) => isLiveOriginal(file) && file.checksums[checksum.algorithm] === checksum.value,
    );
    if (onStorage) {
      draft.notes.push(`${describe(target.asset)} is already on the storage`);
      continue;
    }
    const payload = {
      requestId: event.id,
      assetId: target.asset.id,
      fileId: copy.id,
      source: { storageId: copy.objectStoreId!, key: copy.objectKey! },
      targetPath: target.asset.path,
      checksum,
    };
    addJob(draft, {
      def: transferRestoreJob,
      payload,
      key: eventJobKey(event.id, transferRestoreJob, payload),
    });
  }
  return draft;
}

function planExport(
  event: CatalogEvent,
  targets: readonly Target[],
  options: { storeId: string; prefix: string; outputs: boolean },
): Draft<PlannedJob> {
  const draft = newDraft<PlannedJob>();
  const exportJob = (target: Target, fileId: string, key: string, profile: string | undefined): void => {
    const problem = objectKeyProblem(key);
    if (problem) {
      draft.problems.push(`${describe(target.asset)}: export key "${key.slice(0, 200)}" ${problem}`);
      return;
    }
    const payload = {
      requestId: event.id,
      assetId: target.asset.id,
      fileId,
      sourcePath: target.asset.path,
      ...(profile ? { profile } : {}),
      destination: { storageId: options.storeId, key },
    };
    addJob(draft, {
      def: transferExportJob,
      payload,
      key: eventJobKey(event.id, transferExportJob, payload),
    });
  };
  const outputJob = (target: Target, output: CatalogFile, originalPath: string): void => {
    const profile = output.formatKind.toLowerCase();
    exportJob(
      target,
      output.id,
      joinKey(options.prefix, `${originalPath}.${profile}${extensionOf(output.objectKey!)}`),
      profile,
    );
  };

  for (const target of targets) {
    const named = target.named;
    if (named && named.location === 'object_store' && named.formatKind !== 'ORIGINAL') {
      if (!isStoredCopy(named, named.formatKind))
        draft.problems.push(`file ${named.id} of ${describe(target.asset)} is not a stored output to export`);
      else outputJob(target, named, target.asset.path);
      continue;
    }
    const source = liveOriginal(target);
    if (!source) {
      draft.problems.push(
        `${describe(target.asset)} has no original on the storage to export; restore it first`,
      );
      continue;
    }
    exportJob(target, source.id, joinKey(options.prefix, source.path!), undefined);
    if (!options.outputs) continue;
    for (const kind of EXPORTED_OUTPUTS) {
      const output = newest(target.files.filter((file) => isStoredCopy(file, kind)));
      if (output) outputJob(target, output, source.path!);
    }
  }
  return draft;
}

function planDelete(
  targets: readonly Target[],
  policy: Exclude<DeletePolicy, 'forbid'>,
): Draft<FileToDelete> {
  const draft = newDraft<FileToDelete>();
  const seen = new Set<string>();
  let kept = 0;
  for (const target of targets) {
    const named = target.named;
    if (named && named.location === 'object_store') {
      draft.problems.push(
        `file ${named.id} of ${describe(target.asset)} is a copy in an object store; a delete event removes originals from the storage`,
      );
      continue;
    }
    const files = named ? [named].filter(isLiveOriginal) : target.files.filter(isLiveOriginal);
    if (files.length === 0) draft.notes.push(`${describe(target.asset)} is already removed from the storage`);
    for (const file of files) {
      if (seen.has(file.id)) continue;
      seen.add(file.id);
      draft.items.push({ fileId: file.id, assetId: target.asset.id, path: file.path! });
    }
    kept += target.files.filter((file) => file.location === 'object_store' && !file.removed).length;
  }
  if (kept > 0 && policy === 'everywhere')
    draft.notes.push(
      `${kept} cop${kept === 1 ? 'y' : 'ies'} in object stores kept: deleting object-store copies is not supported yet`,
    );
  return draft;
}

// ---------------------------------------------------------------------------------------------
// Targets, parameters, refusals.

function resolveTargets(event: CatalogEvent, found: readonly EventTarget[]): Parsed<Target[]> {
  if (event.assetIds.length === 0 && event.fileIds.length === 0)
    return {
      ok: false,
      refusal: refuse(`an event of kind ${event.kind} needs assetIds or fileIds; this one names none`),
    };
  const byAsset = new Map(found.map((target) => [target.asset.id, target]));
  const byFile = new Map(found.flatMap((target) => target.files.map((file) => [file.id, target] as const)));
  const missing = [
    ...event.assetIds.filter((id) => !byAsset.has(id)).map((id) => `asset ${id}`),
    ...event.fileIds.filter((id) => !byFile.has(id)).map((id) => `file ${id}`),
  ];
  if (missing.length > 0)
    return {
      ok: false,
      refusal: refuse(
        `${listed(missing)} ${missing.length === 1 ? 'is' : 'are'} not in the catalog of cluster ${event.clusterId}; ` +
          'request the event again with existing targets',
      ),
    };
  return {
    ok: true,
    value: [
      ...event.assetIds.map((id) => byAsset.get(id)!),
      ...event.fileIds.map((id) => {
        const target = byFile.get(id)!;
        return { ...target, named: target.files.find((file) => file.id === id)! };
      }),
    ],
  };
}

function enqueue(draft: Draft<PlannedJob>): EventPlan {
  if (draft.problems.length > 0) return refuseProblems(draft.problems);
  return { action: 'enqueue', jobs: draft.items, notes: draft.notes };
}

type Parsed<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly refusal: EventPlan };

function parseParameters<S extends (typeof EVENT_PARAMETERS)[keyof typeof EVENT_PARAMETERS]>(
  event: CatalogEvent,
  schema: S,
): Parsed<ReturnType<S['parse']>> {
  const result = schema.safeParse(event.parameters);
  if (result.success) return { ok: true, value: result.data as ReturnType<S['parse']> };
  const issues = payloadIssues(result.error).map((issue) =>
    issue.field === '(payload)'
      ? `parameters: ${issue.message}`
      : `parameters.${issue.field}: ${issue.message}`,
  );
  return { ok: false, refusal: refuse(`${issues.join('; ')} (event of kind ${event.kind})`) };
}

function refuse(reason: string): EventPlan {
  return { action: 'refuse', reason };
}

function refuseProblems(problems: readonly string[]): EventPlan {
  return refuse(`${listed(problems)}; nothing was started`);
}

function listed(items: readonly string[]): string {
  const shown = items.slice(0, LISTED_PROBLEMS).join('; ');
  return items.length > LISTED_PROBLEMS ? `${shown}; and ${items.length - LISTED_PROBLEMS} more` : shown;
}

function newDraft<T>(): Draft<T> {
  return { items: [], notes: [], problems: [] };
}

/** Adds a job unless the same key is planned already; an invalid payload is a problem, not a job. */
function addJob(draft: Draft<PlannedJob>, job: PlannedJob): void {
  if (draft.items.some((planned) => planned.key === job.key)) return;
  const parsed = job.def.payload.safeParse(job.payload);
  if (!parsed.success) {
    const issues = payloadIssues(parsed.error).map((issue) => `${issue.field}: ${issue.message}`);
    draft.problems.push(
      `a ${job.def.name} job for asset ${job.payload.assetId} would be invalid (${issues.join('; ')})`,
    );
    return;
  }
  draft.items.push(job);
}

// ---------------------------------------------------------------------------------------------
// Catalog helpers.

function describe(asset: Asset): string {
  return `asset ${asset.id} (${asset.path})`;
}

function isLiveOriginal(file: CatalogFile): boolean {
  return file.formatKind === 'ORIGINAL' && file.location === 'storage' && !file.removed && file.path !== null;
}

function isStoredCopy(file: CatalogFile, kind: FormatKind): boolean {
  return (
    file.formatKind === kind &&
    file.location === 'object_store' &&
    file.status === 'stored' &&
    !file.removed &&
    file.objectStoreId !== null &&
    file.objectKey !== null
  );
}

/** The named file when it is a live original on the storage, else the asset's newest one. */
function liveOriginal(target: Target): CatalogFile | undefined {
  if (target.named && isLiveOriginal(target.named)) return target.named;
  return newest(target.files.filter(isLiveOriginal));
}

function newest(files: readonly CatalogFile[]): CatalogFile | undefined {
  return [...files].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime())[0];
}

type Checksum = JobPayload<typeof transcodeAssetJob>['checksum'];

/** The file's md5 when it has one (S3 ETags can prove it), else its first known digest. */
export function checksumOf(file: CatalogFile): Checksum | undefined {
  const order = ['md5', ...CHECKSUM_ALGORITHMS.filter((a) => a !== 'md5')] as const;
  for (const algorithm of order) {
    const value = file.checksums[algorithm];
    if (value && /^[0-9a-f]+$/.test(value)) return { algorithm, value };
  }
  return undefined;
}

/**
 * Where an original goes in the archive store (under the store's own prefix): by asset and
 * content, so a new version of the file is a new object and archiving the same one again finds it.
 */
export function archiveKey(assetId: string, checksumValue: string, path: string): string {
  return `${assetId}/${checksumValue}/${baseName(path)}`;
}

export function joinKey(prefix: string, path: string): string {
  return prefix === '' ? path : `${prefix}/${path}`;
}

/** Why a key is not a plain relative object key (the export store adds its prefix), or undefined. */
export function objectKeyProblem(key: string): string | undefined {
  if (key.length === 0 || key.length > 1024) return 'must be 1 to 1024 characters';
  if (key.startsWith('/')) return 'must be relative (no leading "/")';
  if (key.includes('\0')) return 'must not contain NUL characters';
  const segments = key.split(/[\\/]/);
  if (segments.some((s) => s === '..' || s === '.')) return 'must not contain "." or ".." segments';
  if (segments.some((s) => s === '')) return 'must not contain empty segments';
  return undefined;
}

function extensionOf(key: string): string {
  const name = baseName(key);
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(dot) : '';
}
