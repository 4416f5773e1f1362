// PostgreSQL array literals for the big per-file parameters (`$n::text[]`, `$n::int8[]`, ...).
// node-postgres builds them element by element through its generic value path; a scan of a
// million files sends tens of millions of elements, so the common shapes are built directly.

const NEEDS_ESCAPE = /["\\]/;
const ESCAPED = /["\\]/g;

/** `{"a","b",NULL}`: every element quoted (a null is NULL); `"` and `\` escaped. */
export function textArray(values: ReadonlyArray<string | null>): string {
  let literal = '{';
  for (let index = 0; index < values.length; index++) {
    const value = values[index]!;
    if (index > 0) literal += ',';
    if (value === null) {
      literal += 'NULL';
      continue;
    }
    literal += '"';
    literal += NEEDS_ESCAPE.test(value) ? value.replace(ESCAPED, '\\$&') : value;
    literal += '"';
  }
  return `${literal}}`;
}

/** `{1,2.5}`: finite numbers as JavaScript prints them (shortest round-trip form). */
export function numberArray(values: readonly number[]): string {
  for (const value of values)
    if (!Number.isFinite(value)) throw new RangeError(`cannot send ${value} as a SQL number`);
  return `{${values.join(',')}}`;
}

export function booleanArray(values: readonly boolean[]): string {
  return `{${values.map((value) => (value ? 't' : 'f')).join(',')}}`;
}
