import { z } from 'zod';

/**
 * Shared value parsing: every value may arrive as text (config.ini, environment) or as JSON
 * (node and cluster settings from the control plane), so each schema accepts both and
 * coerces text strictly ("4" is an integer, "4.5", "four" and "" are not).
 */

export type Checked<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

/** Runs a schema and keeps the most useful issue as a short reason. */
export function checkValue<S extends z.ZodType>(schema: S, raw: unknown): Checked<z.output<S>> {
  const result = schema.safeParse(raw);
  if (result.success) return { ok: true, value: result.data };
  const issues = result.error.issues;
  // The last range issue ("must be at most 64") says more than the safe-integer check that
  // precedes it for an oversized number.
  const issue = issues.filter((i) => i.code === 'too_big' || i.code === 'too_small').pop() ?? issues[0];
  const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
  return { ok: false, reason: `${where}${issue?.message ?? 'invalid value'}` };
}

const INTEGER_TEXT = /^\s*-?\d+\s*$/;

export function integer(min: number, max: number) {
  return z.preprocess(
    (v) => (typeof v === 'string' && INTEGER_TEXT.test(v) ? Number(v) : v),
    z
      .int({ error: 'must be a whole number' })
      .min(min, { error: `must be at least ${min}` })
      .max(max, { error: `must be at most ${max}` }),
  );
}

/**
 * Splits "a, b, c" into items. Commas inside {...} or [...] do not split, so a glob such as
 * `*.{tmp,part}` stays one item. Empty text is an empty list.
 */
export function splitList(text: string): string[] {
  if (text.trim() === '') return [];
  const items: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if (ch === '{' || ch === '[') depth += 1;
    else if ((ch === '}' || ch === ']') && depth > 0) depth -= 1;
    if (ch === ',' && depth === 0) {
      items.push(current.trim());
      current = '';
    } else {
      current += ch;
    }
  }
  items.push(current.trim());
  return items;
}

/** A list given as comma-separated text or as a JSON array of strings; empty items are rejected. */
export function stringList() {
  return z.preprocess(
    (v) => (typeof v === 'string' ? splitList(v) : v),
    z
      .array(z.string({ error: 'items must be strings' }), {
        error: 'must be a comma-separated list or an array',
      })
      .superRefine((items, ctx) => {
        if (items.some((i) => i.trim() === ''))
          ctx.addIssue({ code: 'custom', message: 'has an empty item' });
      }),
  );
}

/** A list of distinct members of `members` (case-insensitive in, lower-case out). */
export function enumList<const T extends readonly [string, ...string[]]>(
  members: T,
  options: { min: number },
) {
  return stringList().transform((items, ctx): T[number][] => {
    const seen = new Set<string>();
    for (const raw of items) {
      const item = raw.trim().toLowerCase();
      if (!members.includes(item)) {
        ctx.addIssue({ code: 'custom', message: `"${raw}" is not one of ${members.join(', ')}` });
        return z.NEVER;
      }
      if (seen.has(item)) {
        ctx.addIssue({ code: 'custom', message: `"${item}" is listed twice` });
        return z.NEVER;
      }
      seen.add(item);
    }
    if (seen.size < options.min) {
      ctx.addIssue({ code: 'custom', message: `must list at least ${options.min}` });
      return z.NEVER;
    }
    return [...seen] as T[number][];
  });
}

/** A URL whose scheme is one of `protocols` (e.g. ['postgres:', 'postgresql:']). */
export function urlWithScheme(protocols: readonly string[]) {
  const shown = protocols.map((p) => `${p}//`).join(' or ');
  return z.string({ error: `must be a ${shown} URL` }).superRefine((text, ctx) => {
    let parsed: URL;
    try {
      parsed = new URL(text.trim());
    } catch {
      ctx.addIssue({ code: 'custom', message: `must be a ${shown} URL` });
      return;
    }
    if (!protocols.includes(parsed.protocol))
      ctx.addIssue({ code: 'custom', message: `must be a ${shown} URL` });
  });
}

/** Text as it is shown in an error message: quoted, control characters escaped, cut if long. */
export function showValue(value: unknown): string {
  let text: string;
  if (typeof value === 'string') text = JSON.stringify(value);
  else if (value === undefined) text = 'undefined';
  else {
    try {
      // JSON.stringify gives undefined for functions and symbols.
      text = JSON.stringify(value) ?? `<${typeof value}>`;
    } catch {
      text = `<${typeof value}>`; // bigint, circular structures
    }
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** The closest candidate within a small edit distance, for "did you mean" hints. */
export function closest(input: string, candidates: readonly string[]): string | undefined {
  const normalise = (s: string) => s.toLowerCase().replace(/[-_]/g, '');
  const wanted = normalise(input);
  let best: { name: string; distance: number } | undefined;
  for (const name of candidates) {
    const distance = editDistance(wanted, normalise(name));
    if (distance <= 2 && (!best || distance < best.distance)) best = { name, distance };
  }
  return best?.name;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/** Structural equality for JSON-like values (settings are numbers, strings, lists and plain objects). */
export function sameValue(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((v, i) => sameValue(v, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    return ka.length === kb.length && ka.every((k) => Object.hasOwn(b, k) && sameValue(a[k], b[k]));
  }
  return false;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
