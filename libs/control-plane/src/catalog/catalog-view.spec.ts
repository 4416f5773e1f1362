import * as domain from '@portico/catalog';
import * as contracts from '@portico/control-plane-client';
import { assetDetailView, eventView } from './catalog-view';

describe('catalog contracts', () => {
  it('name the same kinds, statuses and algorithms as the catalog (and so the database)', () => {
    expect(contracts.MEDIA_KINDS).toEqual(domain.MEDIA_KINDS);
    expect(contracts.ASSET_STATUSES).toEqual(domain.ASSET_STATUSES);
    expect(contracts.FILE_STATUSES).toEqual(domain.FILE_STATUSES);
    expect(contracts.FORMAT_KINDS).toEqual(domain.FORMAT_KINDS);
    expect(contracts.FILE_LOCATIONS).toEqual(domain.FILE_LOCATIONS);
    expect(contracts.CHECKSUM_ALGORITHMS).toEqual(domain.CHECKSUM_ALGORITHMS);
    expect(contracts.EVENT_KINDS).toEqual(domain.EVENT_KINDS);
    expect(contracts.EVENT_STATES).toEqual(domain.EVENT_STATES);
  });

  it('maps domain values to answers the contracts accept', () => {
    const at = new Date('2025-01-02T03:04:05.678Z');
    const id = '00000000-0000-4000-8000-000000000001';
    const file: domain.CatalogFile = {
      id,
      clusterId: id,
      assetId: id,
      formatId: id,
      formatKind: 'ORIGINAL',
      location: 'storage',
      storageId: id,
      path: 'a.mov',
      objectStoreId: null,
      objectKey: null,
      size: 3,
      mtime: at,
      inode: '18446744073709551615',
      checksums: { md5: 'd41d8cd98f00b204e9800998ecf8427e' },
      status: 'checksummed',
      statusReason: null,
      duplicateOf: null,
      removed: false,
      removedAt: null,
      createdAt: at,
      updatedAt: at,
    };
    const detail = assetDetailView({
      asset: {
        id,
        clusterId: id,
        storageId: id,
        name: 'a.mov',
        path: 'a.mov',
        kind: 'video',
        mediaInfo: null,
        status: 'checksummed',
        statusReason: null,
        removed: false,
        removedAt: null,
        createdAt: at,
        updatedAt: at,
      },
      formats: [{ id, assetId: id, kind: 'ORIGINAL', createdAt: at, files: [file] }],
    });
    expect(contracts.AssetDetail.parse(detail)).toEqual(detail);
    expect(detail.formats[0]?.files[0]?.mtime).toBe('2025-01-02T03:04:05.678Z');

    const event = eventView({
      id,
      clusterId: id,
      kind: 'archive',
      assetIds: [id],
      fileIds: [],
      parameters: {},
      state: 'running',
      reason: null,
      claimedTerm: 7,
      claimedBy: id,
      claimedAt: at,
      dispatchedAt: at,
      pendingJobs: [id, id],
      failedJobs: 0,
      createdBy: 'admin',
      createdAt: at,
      updatedAt: at,
    });
    expect(contracts.CatalogEvent.parse(event)).toEqual(event);
    expect(event.pendingJobs).toBe(2);
  });
});
