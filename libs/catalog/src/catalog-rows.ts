// Rows as the repositories select them, and their mapping to the domain types. bigint and
// numeric columns arrive as strings from pg; sizes fit a JS number (up to 8 PiB).
import type {
  Asset,
  AssetStatus,
  CatalogFile,
  FileLocation,
  FileStatus,
  Format,
  FormatKind,
  MediaKind,
} from './model/catalog-model';
import type { CatalogEvent, EventKind, EventState } from './model/events';

export interface AssetRow {
  id: string;
  seq: string;
  cluster_id: string;
  storage_id: string;
  name: string;
  path: string;
  kind: MediaKind;
  media_info: Record<string, unknown> | null;
  status: AssetStatus;
  status_reason: string | null;
  removed: boolean;
  removed_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export interface FormatRow {
  id: string;
  asset_id: string;
  kind: FormatKind;
  created_at: Date;
}

export interface FileRow {
  id: string;
  seq: string;
  cluster_id: string;
  asset_id: string;
  format_id: string;
  format_kind: FormatKind;
  location: FileLocation;
  storage_id: string | null;
  path: string | null;
  object_store_id: string | null;
  object_key: string | null;
  size: string;
  mtime: Date | null;
  inode: string | null;
  checksums: Record<string, string>;
  status: FileStatus;
  status_reason: string | null;
  duplicate_of: string | null;
  removed: boolean;
  removed_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export interface EventRow {
  id: string;
  seq: string;
  cluster_id: string;
  kind: EventKind;
  asset_ids: string[];
  file_ids: string[];
  parameters: Record<string, unknown>;
  state: EventState;
  reason: string | null;
  claimed_term: string | null;
  claimed_by: string | null;
  claimed_at: Date | null;
  dispatched_at: Date | null;
  pending_jobs: string[] | null;
  failed_jobs: number;
  created_by: string | null;
  created_at: Date;
  updated_at: Date;
}

export function toAsset(row: AssetRow): Asset {
  return {
    id: row.id,
    clusterId: row.cluster_id,
    storageId: row.storage_id,
    name: row.name,
    path: row.path,
    kind: row.kind,
    mediaInfo: row.media_info,
    status: row.status,
    statusReason: row.status_reason,
    removed: row.removed,
    removedAt: row.removed_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export function toFormat(row: FormatRow): Format {
  return { id: row.id, assetId: row.asset_id, kind: row.kind, createdAt: row.created_at };
}

export function toFile(row: FileRow): CatalogFile {
  return {
    id: row.id,
    clusterId: row.cluster_id,
    assetId: row.asset_id,
    formatId: row.format_id,
    formatKind: row.format_kind,
    location: row.location,
    storageId: row.storage_id,
    path: row.path,
    objectStoreId: row.object_store_id,
    objectKey: row.object_key,
    size: Number(row.size),
    mtime: row.mtime,
    inode: row.inode,
    checksums: row.checksums,
    status: row.status,
    statusReason: row.status_reason,
    duplicateOf: row.duplicate_of,
    removed: row.removed,
    removedAt: row.removed_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export function toEvent(row: EventRow): CatalogEvent {
  return {
    id: row.id,
    clusterId: row.cluster_id,
    kind: row.kind,
    assetIds: row.asset_ids,
    fileIds: row.file_ids,
    parameters: row.parameters,
    state: row.state,
    reason: row.reason,
    claimedTerm: row.claimed_term === null ? null : Number(row.claimed_term),
    claimedBy: row.claimed_by,
    claimedAt: row.claimed_at,
    dispatchedAt: row.dispatched_at,
    pendingJobs: row.pending_jobs,
    failedJobs: row.failed_jobs,
    createdBy: row.created_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** A stable key of a content version, to match ingest inputs with the rows they became. */
export function contentVersionKey(path: string, size: number | string, mtime: Date): string {
  return `${path}\u0000${String(size)}\u0000${mtime.getTime()}`;
}
