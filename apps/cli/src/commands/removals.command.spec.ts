import type { RemovalApproval, RemovalList, StorageStatus } from '@portico/control-plane-client';
import { removalsApproveCommand, renderApplied, renderApproved, renderRemovals } from './removals.command';
import { renderStorage } from './status.command';

const CLUSTER = '11111111-1111-4111-8111-111111111111';
const STORAGE = '22222222-2222-4222-8222-222222222222';
const APPROVAL = '33333333-3333-4333-8333-333333333333';
const FILE = '44444444-4444-4444-8444-444444444444';
const NOW = '2026-01-01T12:00:00.000Z';

function approval(overrides: Partial<RemovalApproval> = {}): RemovalApproval {
  return {
    id: APPROVAL,
    clusterId: CLUSTER,
    storageId: STORAGE,
    all: true,
    pathCount: 0,
    pendingAtRequest: 5000,
    requestedBy: 'admin',
    requestedAt: '2026-01-01T11:59:00.000Z',
    state: 'pending',
    waitingReason: null,
    waitingSince: null,
    appliedAt: null,
    appliedTerm: null,
    appliedBy: null,
    removed: 0,
    cancelled: 0,
    kept: 0,
    ...overrides,
  };
}

function list(overrides: Partial<RemovalList> = {}): RemovalList {
  return {
    clusterId: CLUSTER,
    storageId: STORAGE,
    pending: 5000,
    items: [
      { path: 'bulk/0/f0.mov', detectedAt: '2026-01-01T11:00:00.000Z', fileId: FILE },
      { path: 'bulk/0/f10.mov', detectedAt: '2026-01-01T11:00:00.000Z', fileId: null },
    ],
    nextCursor: 'YnVsay8wL2YxMC5tb3Y',
    approvals: [],
    ...overrides,
  };
}

function storage(
  overrides: Partial<StorageStatus> = {},
  scan: Partial<StorageStatus['scan']> = {},
): StorageStatus {
  return {
    id: STORAGE,
    name: 'nas',
    scan: {
      state: 'idle',
      found: 1_000_000,
      processed: 1_000_000,
      left: 0,
      ratePerSecond: 51234.4,
      source: 'database',
      startedAt: '2026-01-01T11:50:00.000Z',
      lastCompletedAt: '2026-01-01T11:55:00.000Z',
      ...scan,
    },
    pendingRemovals: 0,
    approvalsWaiting: 0,
    warnings: [],
    ...overrides,
  };
}

describe('portico removals', () => {
  it('lists the count, the first paths with their catalog file, the next cursor and how to approve', () => {
    expect(renderRemovals('nas', list()).split('\n')).toEqual([
      'storage nas: 5,000 removals pending (a scan found more files missing than max_deletions_per_scan and removed none)',
      '',
      'PATH            MISSING SINCE             CATALOG FILE',
      `bulk/0/f0.mov   2026-01-01T11:00:00.000Z  ${FILE}`,
      'bulk/0/f10.mov  2026-01-01T11:00:00.000Z  -',
      '… and more: --cursor YnVsay8wL2YxMC5tb3Y (4,998 not shown here)',
      '',
      'check the storage first (a share that is not mounted looks like deleted files); then approve:',
      '  portico removals approve nas --all      (or name the paths)',
    ]);
  });

  it('says when nothing is pending, and shows approvals with why one waits instead of the hint', () => {
    const waiting = approval({
      waitingReason: 'the storage at /mnt/nas does not look mounted (sentinel missing)',
    });
    const applied = approval({
      id: '55555555-5555-4555-8555-555555555555',
      all: false,
      pathCount: 2,
      pendingAtRequest: 2,
      requestedBy: '66666666-6666-4666-8666-666666666666',
      state: 'applied',
      appliedAt: NOW,
      appliedTerm: 7,
      removed: 1,
      cancelled: 1,
    });
    const text = renderRemovals('nas', list({ approvals: [waiting, applied] }));
    expect(text).toContain('approvals (newest first)');
    expect(text).toContain(
      '33333333  all 5,000 pending removals  admin     2026-01-01T11:59:00.000Z  waiting: the storage at /mnt/nas does not look mounted (sentinel missing)',
    );
    expect(text).toContain(
      '55555555  2 named removals            66666666  2026-01-01T11:59:00.000Z  applied by term 7: 1 removed, 1 back on the storage (kept in the catalog)',
    );
    expect(text).not.toContain('portico removals approve');

    expect(renderRemovals('my nas', list({ pending: 0, items: [], nextCursor: null }))).toBe(
      'storage my nas: no removals pending',
    );
    expect(renderRemovals("Bob's nas", list({ nextCursor: null }))).toContain(
      `portico removals approve 'Bob'\\''s nas' --all`,
    );
  });

  it('reports an approval, and what the leader made of it', () => {
    expect(renderApproved('nas', approval())).toBe(
      `approved all 5,000 pending removals of storage nas (approval ${APPROVAL}); the leader applies it between two scans, once the storage is healthy and its sentinel present`,
    );
    expect(renderApplied(approval({ waitingReason: 'sentinel missing' }))).toBe(
      'not applied yet: sentinel missing',
    );
    expect(renderApplied(approval({ state: 'applied', appliedTerm: 3, removed: 4999, kept: 1 }))).toBe(
      'applied by term 3: 4,999 removed, 1 could not be checked (still pending)',
    );
  });

  it('refuses to approve without --all or named removals, or with both', async () => {
    const errors: string[] = [];
    const spy = jest.spyOn(console, 'error').mockImplementation((line: string) => void errors.push(line));
    try {
      await expect(removalsApproveCommand('nas', [], {})).resolves.toBe(2);
      await expect(removalsApproveCommand('nas', ['a.mov'], { all: true })).resolves.toBe(2);
      await expect(removalsApproveCommand('nas', [], { all: true, fileId: [FILE] })).resolves.toBe(2);
    } finally {
      spy.mockRestore();
    }
    expect(errors).toHaveLength(3);
    expect(errors[0]).toContain('give --all, or the paths');
  });
});

describe('portico status: the storage', () => {
  it('shows a running scan: found, processed, left, rate, start and last completed scan', () => {
    expect(
      renderStorage(
        storage(
          {},
          {
            state: 'scanning',
            found: 12_500,
            processed: 10_000,
            left: 990_000,
            ratePerSecond: 2500.4,
            source: 'leader',
            startedAt: '2026-01-01T11:59:56.000Z',
          },
        ),
        NOW,
      ),
    ).toEqual([
      'storage nas  scanning  found 12,500  processed 10,000  left 990,000  2,500 files/s  started 4 s ago  last completed scan 5 min ago',
    ]);
  });

  it('shows "left" as unknown on a first scan, and an idle storage with its last scan', () => {
    expect(
      renderStorage(storage({}, { state: 'scanning', left: null, lastCompletedAt: null }), NOW)[0],
    ).toContain('left ? (first scan)');
    expect(renderStorage(storage(), NOW)).toEqual([
      'storage nas  idle  last completed scan 5 min ago (1,000,000 files, 51,234 files/s)',
    ]);
    expect(renderStorage(storage({}, { startedAt: null, lastCompletedAt: null, processed: 0 }), NOW)).toEqual(
      ['storage nas  idle  never scanned yet'],
    );
  });

  it('shows pending removals, waiting approvals and warnings', () => {
    expect(
      renderStorage(
        storage({
          pendingRemovals: 5000,
          approvalsWaiting: 1,
          warnings: ['an approval of removals waits: the sentinel is missing'],
        }),
        NOW,
      ).slice(1),
    ).toEqual([
      'removals 5,000 pending, waiting for an operator (1 approval(s) not applied yet): portico removals nas',
      'warning an approval of removals waits: the sentinel is missing',
    ]);
  });
});
