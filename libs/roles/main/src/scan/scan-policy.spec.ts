import { decideRemovals, estimateLeft, planSentinel } from './scan-policy';

const ID = '0f8fad5b-d9cb-469f-a165-70867728950e';
const OTHER = '7c9e6679-7425-40de-944b-e07fc1f90ae7';
const NEW = 'f47ac10b-58cc-4372-a567-0e02b2c3d479';

describe('planSentinel', () => {
  const base = { root: '/mnt/nas', newId: NEW };

  it('trusts the sentinel with this storage id', () => {
    expect(
      planSentinel({ ...base, reading: { state: 'present', storageId: ID }, known: ID, indexFiles: 5 }),
    ).toEqual({
      action: 'trust',
      storageId: ID,
      record: false,
    });
  });

  it('adopts the id of an existing sentinel when the database has none (a rebuilt database)', () => {
    expect(
      planSentinel({ ...base, reading: { state: 'present', storageId: ID }, known: null, indexFiles: 0 }),
    ).toEqual({
      action: 'trust',
      storageId: ID,
      record: true,
    });
  });

  it('refuses to scan another storage', () => {
    const plan = planSentinel({
      ...base,
      reading: { state: 'present', storageId: OTHER },
      known: ID,
      indexFiles: 5,
    });
    expect(plan).toMatchObject({ action: 'refuse', warning: { kind: 'storage-mismatch' } });
    expect(plan.action === 'refuse' && plan.warning.message).toContain(OTHER);
  });

  it('creates the sentinel of a new storage (empty index), with the known id or a new one', () => {
    expect(planSentinel({ ...base, reading: { state: 'missing' }, known: null, indexFiles: 0 })).toEqual({
      action: 'create',
      storageId: NEW,
      record: true,
    });
    expect(planSentinel({ ...base, reading: { state: 'missing' }, known: ID, indexFiles: 0 })).toEqual({
      action: 'create',
      storageId: ID,
      record: false,
    });
  });

  it('suspects a lost mount when the sentinel is missing but files are indexed', () => {
    const plan = planSentinel({ ...base, reading: { state: 'missing' }, known: ID, indexFiles: 3 });
    expect(plan).toMatchObject({ action: 'no-removals', warning: { kind: 'mount-suspect' } });
    expect(plan.action === 'no-removals' && plan.warning.message).toContain(ID);
  });

  it.each([
    { state: 'invalid', message: 'not an id' },
    { state: 'unreadable', message: 'EIO' },
  ] as const)('removes nothing when the sentinel is %j', (reading) => {
    expect(planSentinel({ ...base, reading, known: ID, indexFiles: 0 })).toMatchObject({
      action: 'no-removals',
    });
  });
});

describe('decideRemovals', () => {
  const base = { maxDeletions: 1000, mounted: true, rootFailed: false };

  it('applies up to the cap', () => {
    expect(decideRemovals({ ...base, candidates: 1000 })).toEqual({ action: 'apply' });
    expect(decideRemovals({ ...base, candidates: 0, mounted: false })).toEqual({ action: 'apply' });
  });

  it('holds everything above the cap, and says so', () => {
    const decision = decideRemovals({ ...base, candidates: 1001 });
    expect(decision).toMatchObject({ action: 'hold', warning: { kind: 'removals-held' } });
    expect(decision.action === 'hold' && decision.warning.message).toContain('1001 files are missing');
  });

  it('removes nothing when the storage does not look mounted or the root could not be listed', () => {
    expect(decideRemovals({ ...base, candidates: 5, mounted: false })).toEqual({ action: 'discard' });
    expect(decideRemovals({ ...base, candidates: 5, rootFailed: true })).toMatchObject({
      action: 'discard',
      warning: { kind: 'root-unreadable' },
    });
  });

  it('with a cap of 0 holds every removal', () => {
    expect(decideRemovals({ ...base, candidates: 1, maxDeletions: 0 })).toMatchObject({ action: 'hold' });
  });
});

describe('estimateLeft', () => {
  it('counts down from the index size, never below 0, unknown on a first scan', () => {
    expect(estimateLeft(100, false, 30)).toBe(70);
    expect(estimateLeft(100, false, 130)).toBe(0);
    expect(estimateLeft(0, true, 30)).toBeNull();
  });
});
