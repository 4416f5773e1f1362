// The catalog as the API shows it: @portico/catalog's domain values mapped to the contracts of
// @portico/control-plane-client (times as ISO strings, job ids as a count).
import type {
  Asset as CatalogAsset,
  AssetDetail as CatalogAssetDetail,
  CatalogEvent as DomainEvent,
  CatalogFile as DomainFile,
} from '@portico/catalog';
import type { Asset, AssetDetail, CatalogEvent, CatalogFile } from '@portico/control-plane-client';

const iso = (date: Date | null): string | null => (date === null ? null : date.toISOString());

export function assetView(asset: CatalogAsset): Asset {
  return {
    ...asset,
    removedAt: iso(asset.removedAt),
    createdAt: asset.createdAt.toISOString(),
    updatedAt: asset.updatedAt.toISOString(),
  };
}

export function fileView(file: DomainFile): CatalogFile {
  return {
    ...file,
    checksums: { ...file.checksums },
    mtime: iso(file.mtime),
    removedAt: iso(file.removedAt),
    createdAt: file.createdAt.toISOString(),
    updatedAt: file.updatedAt.toISOString(),
  };
}

export function assetDetailView(detail: CatalogAssetDetail): AssetDetail {
  return {
    ...assetView(detail.asset),
    formats: detail.formats.map((format) => ({
      id: format.id,
      kind: format.kind,
      createdAt: format.createdAt.toISOString(),
      files: format.files.map(fileView),
    })),
  };
}

export function eventView(event: DomainEvent): CatalogEvent {
  return {
    id: event.id,
    clusterId: event.clusterId,
    kind: event.kind,
    assetIds: [...event.assetIds],
    fileIds: [...event.fileIds],
    parameters: { ...event.parameters },
    state: event.state,
    reason: event.reason,
    claimedTerm: event.claimedTerm,
    claimedBy: event.claimedBy,
    claimedAt: iso(event.claimedAt),
    dispatchedAt: iso(event.dispatchedAt),
    pendingJobs: event.pendingJobs === null ? null : event.pendingJobs.length,
    failedJobs: event.failedJobs,
    createdBy: event.createdBy,
    createdAt: event.createdAt.toISOString(),
    updatedAt: event.updatedAt.toISOString(),
  };
}
