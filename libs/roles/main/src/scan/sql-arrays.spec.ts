import { booleanArray, numberArray, textArray } from './sql-arrays';

describe('SQL array literals', () => {
  it('quotes every text element and escapes quotes and backslashes', () => {
    expect(textArray([])).toBe('{}');
    expect(textArray(['a', 'NULL', '', 'say "hi"', 'back\\slash', 'x,y {z}', 'caf\u00e9'])).toBe(
      '{"a","NULL","","say \\"hi\\"","back\\\\slash","x,y {z}","caf\u00e9"}',
    );
  });

  it('prints a null text element as NULL, and the text "NULL" quoted', () => {
    expect(textArray([null, 'NULL'])).toBe('{NULL,"NULL"}');
  });

  it('prints numbers in their round-trip form and refuses non-finite ones', () => {
    expect(numberArray([0, 42, 1732175623123.25, -1])).toBe('{0,42,1732175623123.25,-1}');
    const mtime = 1732175623123 + 0.4567; // not exactly representable: printed so it reads back the same
    expect(Number(numberArray([mtime]).slice(1, -1))).toBe(mtime);
    expect(() => numberArray([NaN])).toThrow(RangeError);
  });

  it('prints booleans', () => {
    expect(booleanArray([true, false])).toBe('{t,f}');
  });
});
