// The catalog's vocabulary (SPEC 1): an asset has formats (ORIGINAL, PROXY, KEYFRAMES, POSTER); a
// format has files, on the storage or in an object store, each with size, checksums and status.
// The lists are the database's CHECK constraints (migration 0004) and the API's enums.

export const MEDIA_KINDS = ['video', 'audio', 'image', 'other', 'unknown'] as const;
export type MediaKind = (typeof MEDIA_KINDS)[number];

/**
 * registered: catalogued, not checksummed yet; empty: a zero-byte original (never transcoded);
 * checksummed: the original's checksums are recorded; ready: its outputs exist (every output planned
 * for it is stored in the proxy store; at once when none is planned); failed: see the reason.
 */
export const ASSET_STATUSES = ['registered', 'empty', 'checksummed', 'ready', 'failed'] as const;
export type AssetStatus = (typeof ASSET_STATUSES)[number];

/**
 * registered, empty, checksummed: as for assets (files on the storage); pending: an output or
 * copy expected in an object store, not uploaded yet; stored: uploaded and verified; failed: see the reason.
 */
export const FILE_STATUSES = ['registered', 'empty', 'checksummed', 'pending', 'stored', 'failed'] as const;
export type FileStatus = (typeof FILE_STATUSES)[number];

export const FORMAT_KINDS = ['ORIGINAL', 'PROXY', 'KEYFRAMES', 'POSTER'] as const;
export type FormatKind = (typeof FORMAT_KINDS)[number];
/** The formats the pipeline makes from an original, kept in the proxy store. */
export const OUTPUT_FORMAT_KINDS = ['PROXY', 'KEYFRAMES', 'POSTER'] as const satisfies readonly FormatKind[];
export type OutputFormatKind = (typeof OUTPUT_FORMAT_KINDS)[number];

export const FILE_LOCATIONS = ['storage', 'object_store'] as const;
export type FileLocation = (typeof FILE_LOCATIONS)[number];

export interface Asset {
  readonly id: string;
  readonly clusterId: string;
  readonly storageId: string;
  readonly name: string;
  /** Where the original is on the storage, relative to its root (follows moves). */
  readonly path: string;
  readonly kind: MediaKind;
  readonly mediaInfo: Record<string, unknown> | null;
  readonly status: AssetStatus;
  readonly statusReason: string | null;
  /** The original is no longer on the storage (copies in object stores may remain). */
  readonly removed: boolean;
  readonly removedAt: Date | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export interface Format {
  readonly id: string;
  readonly assetId: string;
  readonly kind: FormatKind;
  readonly createdAt: Date;
}

export interface CatalogFile {
  readonly id: string;
  readonly clusterId: string;
  readonly assetId: string;
  readonly formatId: string;
  readonly formatKind: FormatKind;
  readonly location: FileLocation;
  /** Set when location is 'storage'. */
  readonly storageId: string | null;
  /** Relative to the storage root; set when location is 'storage'. */
  readonly path: string | null;
  /** Set when location is 'object_store'. */
  readonly objectStoreId: string | null;
  readonly objectKey: string | null;
  readonly size: number;
  readonly mtime: Date | null;
  /** A decimal string: inode numbers may exceed 2^53. */
  readonly inode: string | null;
  /** algorithm → lower-case hex digest. */
  readonly checksums: Readonly<Record<string, string>>;
  readonly status: FileStatus;
  readonly statusReason: string | null;
  /** The oldest original elsewhere in the cluster with the same checksum. */
  readonly duplicateOf: string | null;
  readonly removed: boolean;
  readonly removedAt: Date | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export interface AssetDetail {
  readonly asset: Asset;
  readonly formats: ReadonlyArray<Format & { readonly files: readonly CatalogFile[] }>;
}

/** One page of a list, newest first; pass nextCursor back for the next page (null: no more). */
export interface CatalogPage<T> {
  readonly items: T[];
  readonly nextCursor: string | null;
}
