import { deriveStorageStatus, type StatusScanRun, type StatusStorage } from './storage-status';

const T = (seconds: number) => new Date(Date.UTC(2026, 0, 1, 12, 0, seconds));

function storage(run: Partial<StatusScanRun> | null, overrides: Partial<StatusStorage> = {}): StatusStorage {
  return {
    id: 's',
    name: 'nas',
    run: run && {
      state: 'running',
      startedAt: T(0),
      updatedAt: T(20),
      finishedAt: null,
      filesListed: 4000,
      initial: false,
      indexFilesAtStart: 10_000,
      warnings: [],
      ...run,
    },
    lastCompletedAt: null,
    pendingRemovals: 0,
    approvalsWaiting: 0,
    waitingReason: null,
    ...overrides,
  };
}

const leader = (
  fields: Partial<{ found: number; processed: number; ratePerSecond: number; at: number }> = {},
) => ({
  found: fields.found ?? 7000,
  processed: fields.processed ?? 5000,
  ratePerSecond: fields.ratePerSecond ?? 250,
  receivedAt: T(fields.at ?? 21),
});

describe('storage status', () => {
  it('a running scan from its checkpoint: processed, left from the index size, the committed rate', () => {
    expect(deriveStorageStatus(storage({}), null).scan).toEqual({
      state: 'scanning',
      found: 4000,
      processed: 4000,
      left: 6000,
      ratePerSecond: 200,
      source: 'database',
      startedAt: T(0).toISOString(),
      lastCompletedAt: null,
    });
  });

  it("takes the leader's live numbers when they are about this run", () => {
    expect(deriveStorageStatus(storage({}), leader()).scan).toMatchObject({
      found: 7000,
      processed: 5000,
      left: 5000,
      ratePerSecond: 250,
      source: 'leader',
    });
    // a report from before the run started is the last run's
    expect(deriveStorageStatus(storage({}), leader({ at: -1 })).scan.source).toBe('database');
    // a report behind the checkpoint is stale (e.g. sent just before a resume)
    expect(deriveStorageStatus(storage({}), leader({ processed: 3999 })).scan.source).toBe('database');
    // found is never below processed
    expect(deriveStorageStatus(storage({}), leader({ found: 10, processed: 4500 })).scan.found).toBe(4500);
  });

  it('a first scan has no estimate of what is left', () => {
    expect(deriveStorageStatus(storage({ initial: true }), leader()).scan.left).toBeNull();
  });

  it("idle: the last run's totals and rate, nothing left; telemetry ignored", () => {
    const status = deriveStorageStatus(
      storage(
        { state: 'completed', finishedAt: T(40), filesListed: 10_000 },
        { lastCompletedAt: T(40), pendingRemovals: 5000 },
      ),
      leader(),
    );
    expect(status.scan).toEqual({
      state: 'idle',
      found: 10_000,
      processed: 10_000,
      left: 0,
      ratePerSecond: 250,
      source: 'database',
      startedAt: T(0).toISOString(),
      lastCompletedAt: T(40).toISOString(),
    });
    expect(status.pendingRemovals).toBe(5000);
    expect(deriveStorageStatus(storage(null), null).scan).toMatchObject({
      state: 'idle',
      processed: 0,
      ratePerSecond: 0,
      startedAt: null,
    });
  });

  it("lists the run's warnings and why an approval waits", () => {
    const status = deriveStorageStatus(
      storage(
        {
          state: 'completed',
          finishedAt: T(5),
          warnings: [
            { kind: 'mount-suspect', message: 'the sentinel is missing' },
            { kind: 'removals-held', message: '5000 files are missing' },
          ],
        },
        { approvalsWaiting: 1, pendingRemovals: 5000, waitingReason: 'the sentinel is missing' },
      ),
      null,
    );
    expect(status.warnings).toEqual([
      'the sentinel is missing',
      '5000 files are missing',
      'an approval of removals waits: the sentinel is missing',
    ]);
    expect(status.approvalsWaiting).toBe(1);
    // once the held removals are applied (or came back), the run's "removals held" is over
    const applied = deriveStorageStatus(
      storage({
        state: 'completed',
        finishedAt: T(5),
        warnings: [{ kind: 'removals-held', message: '5000 files are missing' }],
      }),
      null,
    );
    expect(applied.warnings).toEqual([]);
  });
});
