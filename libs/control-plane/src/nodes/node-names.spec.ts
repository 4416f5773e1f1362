import { etagMatches, selfVersion, uniqueNodeName } from './node-names';

describe('node names', () => {
  it('keeps a free name and suffixes a taken one with the first free number', () => {
    expect(uniqueNodeName('worker', new Set())).toBe('worker');
    expect(uniqueNodeName('worker', new Set(['worker']))).toBe('worker-2');
    expect(uniqueNodeName('worker', new Set(['worker', 'worker-2', 'worker-3']))).toBe('worker-4');
  });

  it('stays within 100 characters', () => {
    const long = 'n'.repeat(100);
    const name = uniqueNodeName(long, new Set([long]));
    expect(name).toHaveLength(100);
    expect(name.endsWith('-2')).toBe(true);
  });
});

describe('GET /nodes/me version', () => {
  it('combines the cluster and node settings versions', () => {
    expect(selfVersion(4, 2)).toBe('4.2');
  });

  it('matches If-None-Match values weakly, in lists and with *', () => {
    expect(etagMatches('"4.2"', '4.2')).toBe(true);
    expect(etagMatches('W/"4.2"', '4.2')).toBe(true);
    expect(etagMatches('"1.1", "4.2"', '4.2')).toBe(true);
    expect(etagMatches('*', '4.2')).toBe(true);
    expect(etagMatches('"4.3"', '4.2')).toBe(false);
    expect(etagMatches('4.2', '4.2')).toBe(false);
    expect(etagMatches(undefined, '4.2')).toBe(false);
  });
});
