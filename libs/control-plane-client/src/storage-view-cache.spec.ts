import { type NodeStorageView } from './contracts/storages';
import { StorageViewCache } from './storage-view-cache';

const view = (version: string): NodeStorageView => ({ version, storage: null, objectStores: [] });

function source(answers: Array<NodeStorageView | undefined | Error>) {
  const asked: Array<string | undefined> = [];
  const fetch = (version?: string): Promise<NodeStorageView | undefined> => {
    asked.push(version);
    const next = answers.shift();
    return next instanceof Error ? Promise.reject(next) : Promise.resolve(next);
  };
  return { asked, fetch };
}

describe('StorageViewCache', () => {
  let now = 0;
  const clock = (): number => now;
  beforeEach(() => (now = 1_000));

  it('answers from the cache while fresh, then re-checks with the ETag and keeps the view on 304', async () => {
    const s = source([view('v1'), undefined, view('v2')]);
    const cache = new StorageViewCache(s.fetch, { maxAgeMs: 100, now: clock });
    expect((await cache.current()).version).toBe('v1');
    now += 50;
    expect((await cache.current()).version).toBe('v1');
    expect(s.asked).toEqual([undefined]);
    now += 60;
    expect((await cache.current()).version).toBe('v1');
    expect(s.asked).toEqual([undefined, 'v1']);
    expect((await cache.current(true)).version).toBe('v2');
    expect(s.asked).toEqual([undefined, 'v1', 'v1']);
  });

  it('shares one request between concurrent callers', async () => {
    const s = source([view('v1')]);
    const cache = new StorageViewCache(s.fetch, { now: clock });
    const views = await Promise.all([cache.current(), cache.current(), cache.current(true)]);
    expect(views.map((v) => v.version)).toEqual(['v1', 'v1', 'v1']);
    expect(s.asked).toHaveLength(1);
  });

  it('keeps the last view through an outage with one warning, and fails clearly with none', async () => {
    const warnings: string[] = [];
    const s = source([new Error('connect ECONNREFUSED'), view('v1'), new Error('down'), new Error('down')]);
    const cache = new StorageViewCache(s.fetch, {
      maxAgeMs: 10,
      now: clock,
      logger: { warn: (_fields, message) => warnings.push(message) },
    });
    await expect(cache.current()).rejects.toThrow(
      /GET \/api\/v1\/nodes\/me\/storage\): connect ECONNREFUSED/,
    );
    expect((await cache.current()).version).toBe('v1');
    now += 20;
    expect((await cache.current()).version).toBe('v1');
    now += 20;
    expect((await cache.current()).version).toBe('v1');
    expect(warnings).toHaveLength(1);
    // A failed re-check counts as a check: the next one waits for maxAgeMs again.
    expect(s.asked).toHaveLength(4);
    expect((await cache.current()).version).toBe('v1');
    expect(s.asked).toHaveLength(4);
  });
});
