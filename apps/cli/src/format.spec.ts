import { ago, show, table } from './format';

describe('format', () => {
  it('aligns columns and upper-cases the header', () => {
    expect(
      table(
        ['name', 'status'],
        [
          ['node-1', 'Active'],
          ['a-much-longer-name', 'Offline'],
        ],
      ),
    ).toBe(
      ['NAME                STATUS', 'node-1              Active', 'a-much-longer-name  Offline'].join('\n'),
    );
  });

  it.each([
    [null, 'never'],
    ['2026-01-01T00:00:00.000Z', '5 s ago'],
    ['2025-12-31T23:50:05.000Z', '10 min ago'],
    ['2025-12-31T20:00:05.000Z', '4 h ago'],
  ])('ago(%s)', (then, expected) => {
    expect(ago(then, '2026-01-01T00:00:05.000Z')).toBe(expected);
  });

  it('shows values', () => {
    expect([show(undefined), show('md5'), show(['md5', 'sha1']), show(4)]).toEqual([
      '-',
      'md5',
      '["md5","sha1"]',
      '4',
    ]);
  });
});
