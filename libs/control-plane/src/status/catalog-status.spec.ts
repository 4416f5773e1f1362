import type { QueueDepth } from '@portico/jobs-runtime';
import { deriveCatalogStatus, type StatusCatalogCounts } from './catalog-status';

const DEAD = 'portico.c.dead';

function queue(name: string, fields: Partial<QueueDepth> = {}): QueueDepth {
  return { queue: name, queued: 0, deferred: 0, active: 0, leases: 0, failed: 0, dead: 0, ...fields };
}

function counts(overrides: Partial<StatusCatalogCounts> = {}): StatusCatalogCounts {
  return {
    assetsByStatus: { registered: 2, empty: 1, checksummed: 5, ready: 0, failed: 1 },
    assetsRemoved: 3,
    originals: { files: 9, bytes: 123_456_789_012, checksummed: 5, empty: 1, failed: 1 },
    outputs: [],
    pendingEvents: 4,
    queues: [],
    deadLetterQueue: DEAD,
    ...overrides,
  };
}

describe('catalog status', () => {
  it('counts live assets by status, removed ones apart, and carries the originals and events', () => {
    expect(deriveCatalogStatus(counts())).toMatchObject({
      assets: {
        live: 9,
        byStatus: { registered: 2, empty: 1, checksummed: 5, ready: 0, failed: 1 },
        removed: 3,
      },
      originals: { files: 9, bytes: 123_456_789_012, checksummed: 5, empty: 1, failed: 1 },
      pendingEvents: 4,
    });
  });

  it('folds output files per format and state, with every format present', () => {
    const status = deriveCatalogStatus(
      counts({
        outputs: [
          { kind: 'PROXY', status: 'stored', files: 3 },
          { kind: 'PROXY', status: 'pending', files: 1 },
          { kind: 'KEYFRAMES', status: 'stored', files: 40 },
          { kind: 'KEYFRAMES', status: 'failed', files: 2 },
        ],
      }),
    );
    expect(status.outputs).toEqual({
      total: 46,
      stored: 43,
      pending: 1,
      failed: 2,
      byFormat: {
        PROXY: { stored: 3, pending: 1, failed: 0 },
        KEYFRAMES: { stored: 40, pending: 0, failed: 2 },
        POSTER: { stored: 0, pending: 0, failed: 0 },
      },
    });
  });

  it('counts an output in an unexpected state in the total only, and ignores kinds that are not outputs', () => {
    const status = deriveCatalogStatus(
      counts({
        outputs: [
          { kind: 'POSTER', status: 'registered', files: 2 },
          { kind: 'POSTER', status: 'stored', files: 1 },
          { kind: 'ORIGINAL', status: 'stored', files: 7 },
        ],
      }),
    );
    expect(status.outputs).toMatchObject({ total: 3, stored: 1, pending: 0, failed: 0 });
    expect(status.outputs.byFormat.POSTER).toEqual({ stored: 1, pending: 0, failed: 0 });
  });

  it('totals the jobs as `portico jobs` does: dead letters waiting are not queued work', () => {
    const status = deriveCatalogStatus(
      counts({
        queues: [
          queue('portico.c.checksum', { queued: 5, deferred: 2, active: 2, leases: 2, dead: 1 }),
          queue('portico.c.transcode', { queued: 1, active: 1, failed: 3 }),
          queue(DEAD, { queued: 1 }),
        ],
      }),
    );
    expect(status.jobs).toEqual({ queued: 6, active: 3, dead: 1 });
    expect(deriveCatalogStatus(counts()).jobs).toEqual({ queued: 0, active: 0, dead: 0 });
  });
});
