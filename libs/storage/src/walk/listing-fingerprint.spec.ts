import { ListingFingerprint } from './listing-fingerprint';

type Entry = [name: string, size: number, mtimeMs: number, inode: string];

function fingerprint(entries: readonly Entry[]): string {
  const print = new ListingFingerprint();
  for (const entry of entries) print.add(...entry);
  return print.value();
}

const FILES: Entry[] = [
  ['a.mov', 100, 1732175623123.25, '11'],
  ['b.mov', 0, 1732175623124.5, '12'],
  ['caf\u00e9.mov', 5, 1, '13'],
];

describe('ListingFingerprint', () => {
  it('does not depend on the listing order', () => {
    expect(fingerprint([...FILES].reverse())).toBe(fingerprint(FILES));
  });

  it.each<[string, Entry[]]>([
    ['a name', [['a.mow', 100, 1732175623123.25, '11'], FILES[1]!, FILES[2]!]],
    ['a size', [['a.mov', 101, 1732175623123.25, '11'], FILES[1]!, FILES[2]!]],
    ['an mtime by a microsecond', [['a.mov', 100, 1732175623123.375, '11'], FILES[1]!, FILES[2]!]],
    ['an inode', [['a.mov', 100, 1732175623123.25, '14'], FILES[1]!, FILES[2]!]],
    ['a normalization form', [FILES[0]!, FILES[1]!, ['cafe\u0301.mov', 5, 1, '13']]],
    ['a file less', FILES.slice(1)],
    ['a file more', [...FILES, ['d.mov', 1, 1, '15']]],
    [
      'two files swapping sizes',
      [['a.mov', 0, 1732175623123.25, '11'], ['b.mov', 100, 1732175623124.5, '12'], FILES[2]!],
    ],
  ])('changes with %s', (_what, changed) => {
    expect(fingerprint(changed)).not.toBe(fingerprint(FILES));
  });

  it('counts the files', () => {
    expect(fingerprint([])).toBe('0-0-0');
    expect(fingerprint(FILES)).toMatch(/^3-[0-9a-f]+-[0-9a-f]+$/);
  });
});
