import { z } from 'zod';
import { Id, IsoTime } from './common';
import { StoragePath } from './storages';

// The media catalog as the API shows it (SPEC 1: asset / format / file). The lists are the
// database's (migration 0004) and @portico/catalog's; a control-plane unit test keeps them equal.
export const MEDIA_KINDS = ['video', 'audio', 'image', 'other', 'unknown'] as const;
export const MediaKind = z.enum(MEDIA_KINDS);
export const ASSET_STATUSES = ['registered', 'empty', 'checksummed', 'ready', 'failed'] as const;
export const AssetStatus = z.enum(ASSET_STATUSES);
export const FILE_STATUSES = ['registered', 'empty', 'checksummed', 'pending', 'stored', 'failed'] as const;
export const FileStatus = z.enum(FILE_STATUSES);
export const FORMAT_KINDS = ['ORIGINAL', 'PROXY', 'KEYFRAMES', 'POSTER'] as const;
export const FormatKind = z.enum(FORMAT_KINDS);
export const FILE_LOCATIONS = ['storage', 'object_store'] as const;
export const FileLocation = z.enum(FILE_LOCATIONS);
export const CHECKSUM_ALGORITHMS = ['md5', 'sha1', 'sha256', 'xxh64', 'xxh3'] as const;
export const ChecksumAlgorithm = z.enum(CHECKSUM_ALGORITHMS);

export const CatalogFile = z.object({
  id: Id,
  clusterId: Id,
  assetId: Id,
  formatId: Id,
  formatKind: FormatKind,
  location: FileLocation,
  storageId: Id.nullable(),
  /** Relative to the storage root (files on the storage). */
  path: z.string().nullable(),
  objectStoreId: Id.nullable(),
  /** The object's key in its store (files in an object store). */
  objectKey: z.string().nullable(),
  size: z.number().int().nonnegative(),
  mtime: IsoTime.nullable(),
  /** Decimal string: inode numbers may exceed 2^53. */
  inode: z.string().nullable(),
  /** algorithm → lower-case hex digest. */
  checksums: z.record(z.string(), z.string()),
  status: FileStatus,
  statusReason: z.string().nullable(),
  /** The oldest original elsewhere in the cluster with the same checksum. */
  duplicateOf: Id.nullable(),
  removed: z.boolean(),
  removedAt: IsoTime.nullable(),
  createdAt: IsoTime,
  updatedAt: IsoTime,
});
export type CatalogFile = z.infer<typeof CatalogFile>;

export const Asset = z.object({
  id: Id,
  clusterId: Id,
  storageId: Id,
  name: z.string(),
  /** Where the original is on the storage (follows moves). */
  path: z.string(),
  kind: MediaKind,
  /** What ffprobe found (null until probed). */
  mediaInfo: z.record(z.string(), z.unknown()).nullable(),
  status: AssetStatus,
  statusReason: z.string().nullable(),
  /** The original is no longer on the storage (copies in object stores may remain). */
  removed: z.boolean(),
  removedAt: IsoTime.nullable(),
  createdAt: IsoTime,
  updatedAt: IsoTime,
});
export type Asset = z.infer<typeof Asset>;

export const AssetFormat = z.object({
  id: Id,
  kind: FormatKind,
  createdAt: IsoTime,
  files: z.array(CatalogFile),
});
export type AssetFormat = z.infer<typeof AssetFormat>;

/** GET /assets/:id: the asset, its formats and their files (removed files included). */
export const AssetDetail = Asset.extend({ formats: z.array(AssetFormat) });
export type AssetDetail = z.infer<typeof AssetDetail>;

const Limit = z.coerce.number().int().min(1).max(1000).default(100);
/** A yes/no query parameter: true/false (also 1/0, yes/no) in the URL, a boolean for the client. */
const Flag = z.union([z.boolean(), z.stringbool()]);
const PathPrefix = z.string().min(1).max(4096);

/** GET /clusters/:id/assets: newest first; pass nextCursor back as cursor. `removed` absent: both. */
export const AssetQuery = z
  .object({
    status: AssetStatus.optional(),
    kind: MediaKind.optional(),
    pathPrefix: PathPrefix.optional(),
    removed: Flag.optional(),
    cursor: z.string().optional(),
    limit: Limit,
  })
  .strict();
export type AssetQuery = z.input<typeof AssetQuery>;

/** GET /clusters/:id/files: newest first; `kind` is the kind of the file's format. */
export const FileQuery = z
  .object({
    status: FileStatus.optional(),
    kind: FormatKind.optional(),
    location: FileLocation.optional(),
    pathPrefix: PathPrefix.optional(),
    removed: Flag.optional(),
    assetId: Id.optional(),
    objectStoreId: Id.optional(),
    cursor: z.string().optional(),
    limit: Limit,
  })
  .strict();
export type FileQuery = z.input<typeof FileQuery>;

/** GET /clusters/:id/files/by-path?path=…: files on the storage at exactly this path, newest first. */
export const PathLookupQuery = z.object({ path: StoragePath, includeRemoved: Flag.optional() }).strict();
export type PathLookupQuery = z.input<typeof PathLookupQuery>;

const HEX_LENGTH: Readonly<Record<(typeof CHECKSUM_ALGORITHMS)[number], number>> = {
  md5: 32,
  sha1: 40,
  sha256: 64,
  xxh64: 16,
  xxh3: 16,
};

/** GET /clusters/:id/files/by-checksum?algorithm=md5&value=…: every file with this digest, oldest first. */
export const ChecksumLookupQuery = z
  .object({ algorithm: ChecksumAlgorithm, value: z.string() })
  .strict()
  .superRefine((query, ctx) => {
    const length = HEX_LENGTH[query.algorithm];
    if (query.value.length !== length || !/^[0-9a-fA-F]+$/.test(query.value))
      ctx.addIssue({
        code: 'custom',
        path: ['value'],
        message: `a ${query.algorithm} digest is ${length} hex digits`,
      });
  });
export type ChecksumLookupQuery = z.input<typeof ChecksumLookupQuery>;

export const FileList = z.object({ items: z.array(CatalogFile) });
export type FileList = z.infer<typeof FileList>;
