import type { CatalogSummary, ClusterStatus } from '@portico/control-plane-client';
import { counted, formatBytes, renderCatalog, renderStatus } from './status.command';

const none = { stored: 0, pending: 0, failed: 0 };

function catalog(overrides: Partial<CatalogSummary> = {}): CatalogSummary {
  return {
    assets: {
      live: 3,
      byStatus: { registered: 0, empty: 0, checksummed: 3, ready: 0, failed: 0 },
      removed: 0,
    },
    originals: { files: 3, bytes: 1_234_567, checksummed: 3, empty: 0, failed: 0 },
    outputs: {
      total: 5,
      stored: 5,
      pending: 0,
      failed: 0,
      byFormat: {
        PROXY: { stored: 3, pending: 0, failed: 0 },
        KEYFRAMES: { stored: 1, pending: 0, failed: 0 },
        POSTER: { stored: 1, pending: 0, failed: 0 },
      },
    },
    pendingEvents: 0,
    jobs: { queued: 0, active: 0, dead: 0 },
    ...overrides,
  };
}

describe('portico status: the catalog', () => {
  it('shows a drained quick start: every asset checksummed and every output stored', () => {
    expect(renderCatalog(catalog())).toEqual([
      'catalog 3 assets: 3 checksummed',
      'originals 3 files, 1.2 MiB: 3 checksummed',
      'outputs 5/5 stored: PROXY 3/3, KEYFRAMES 1/1, POSTER 1/1',
      'jobs    0 queued, 0 active, 0 dead letters; 0 events pending',
    ]);
  });

  it('shows work in progress: statuses in order, what is left to checksum, outputs not stored yet', () => {
    expect(
      renderCatalog(
        catalog({
          assets: {
            live: 10_500,
            byStatus: { registered: 7000, empty: 1, checksummed: 3000, ready: 0, failed: 499 },
            removed: 12,
          },
          originals: { files: 10_500, bytes: 5 * 1024 ** 4, checksummed: 3000, empty: 1, failed: 499 },
          outputs: {
            total: 3002,
            stored: 2000,
            pending: 999,
            failed: 1,
            byFormat: {
              PROXY: { stored: 1500, pending: 999, failed: 0 },
              KEYFRAMES: none,
              POSTER: { stored: 500, pending: 0, failed: 1 },
            },
          },
          pendingEvents: 1,
          jobs: { queued: 7042, active: 4, dead: 1 },
        }),
      ),
    ).toEqual([
      'catalog 10,500 assets: 7,000 registered, 1 empty, 3,000 checksummed, 499 failed; 12 removed from the storage',
      'originals 10,500 files, 5.0 TiB: 3,000 checksummed, 7,000 to checksum, 1 empty, 499 failed',
      'outputs 2,000/3,002 stored (999 pending, 1 failed): PROXY 1,500/2,499 (999 pending), POSTER 500/501 (1 failed)',
      'jobs    7,042 queued, 4 active, 1 dead letter; 1 event pending',
    ]);
  });

  it('says when nothing is catalogued or made yet', () => {
    const empty = catalog({
      assets: {
        live: 0,
        byStatus: { registered: 0, empty: 0, checksummed: 0, ready: 0, failed: 0 },
        removed: 0,
      },
      originals: { files: 0, bytes: 0, checksummed: 0, empty: 0, failed: 0 },
      outputs: { total: 0, ...none, byFormat: { PROXY: none, KEYFRAMES: none, POSTER: none } },
    });
    expect(renderCatalog(empty)).toEqual([
      'catalog no assets yet',
      'originals 0 files, 0 B: 0 checksummed',
      'outputs none yet',
      'jobs    0 queued, 0 active, 0 dead letters; 0 events pending',
    ]);
    expect(renderCatalog({ ...empty, assets: { ...empty.assets, removed: 1 } })[0]).toBe(
      'catalog no assets yet; 1 removed from the storage',
    );
  });

  it('comes after the nodes, roles and storage, before the problems', () => {
    const status: ClusterStatus = {
      cluster: { id: '11111111-1111-4111-8111-111111111111', name: 'local' },
      leader: null,
      nodes: [],
      roles: { MAIN: 0, CHECKSUM: 0, TRANSCODE: 0, TRANSFER: 0 },
      operational: false,
      problems: ['no leader has been elected yet among the MAIN nodes'],
      storages: [],
      catalog: catalog(),
      databaseTime: '2026-01-01T12:00:00.000Z',
    };
    expect(renderStatus(status).split('\n').slice(-5)).toEqual([
      'catalog 3 assets: 3 checksummed',
      'originals 3 files, 1.2 MiB: 3 checksummed',
      'outputs 5/5 stored: PROXY 3/3, KEYFRAMES 1/1, POSTER 1/1',
      'jobs    0 queued, 0 active, 0 dead letters; 0 events pending',
      'problem no leader has been elected yet among the MAIN nodes',
    ]);
  });
});

describe('formatting', () => {
  it.each([
    [0, '0 B'],
    [1023, '1023 B'],
    [1024, '1.0 KiB'],
    [1536, '1.5 KiB'],
    [1_048_575, '1.0 MiB'],
    [4 * 1024 ** 3, '4.0 GiB'],
    [3 * 1024 ** 5, '3.0 PiB'],
  ])('formatBytes(%d) is %s', (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text);
  });

  it('counts with the right plural', () => {
    expect([counted(0, 'file'), counted(1, 'file'), counted(1234, 'file')]).toEqual([
      '0 files',
      '1 file',
      '1,234 files',
    ]);
  });
});
