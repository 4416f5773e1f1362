// ignore_patterns as globs, gitignore-style: a pattern without a slash is tried against every
// entry's name, at any depth (`*.tmp`, `.DS_Store`); a pattern with a slash against its path
// relative to the storage root (`Renders/cache`, `**/proxies/*.mov`). Dotfiles match like any
// name (`*.tmp` matches `.part.tmp`).
//
// The matcher runs once per entry of the storage, so the usual shapes of name pattern (a literal
// name, `prefix*`, `*suffix`) are tested with plain string operations; only other globs go
// through picomatch.
import picomatch from 'picomatch';

export type IgnoreMatcher = (name: string, relativePath: string) => boolean;

/** Characters that make a pattern more than a literal, a prefix* or a *suffix. */
const GLOB_SYNTAX = /[*?[\]{}()!+@\\]/;

export function compileIgnorePatterns(patterns: readonly string[]): IgnoreMatcher {
  const usable = patterns.map((pattern) => pattern.trim()).filter((pattern) => pattern.length > 0);
  const literals = new Set<string>();
  const prefixes: string[] = [];
  const suffixes: string[] = [];
  const nameGlobs: string[] = [];
  const pathGlobs: string[] = [];
  for (const pattern of usable) {
    if (pattern.includes('/')) pathGlobs.push(pattern.replace(/^\/+/, ''));
    else if (!GLOB_SYNTAX.test(pattern)) literals.add(pattern);
    else if (pattern.endsWith('*') && !GLOB_SYNTAX.test(pattern.slice(0, -1)))
      prefixes.push(pattern.slice(0, -1));
    else if (pattern.startsWith('*') && !GLOB_SYNTAX.test(pattern.slice(1))) suffixes.push(pattern.slice(1));
    else nameGlobs.push(pattern);
  }
  const nameGlob = nameGlobs.length > 0 ? picomatch(nameGlobs, { dot: true }) : undefined;
  const pathGlob = pathGlobs.length > 0 ? picomatch(pathGlobs, { dot: true }) : undefined;
  if (usable.length === 0) return () => false;

  return (name, relativePath) => {
    if (literals.has(name)) return true;
    for (const prefix of prefixes) if (name.startsWith(prefix)) return true;
    for (const suffix of suffixes) if (name.endsWith(suffix)) return true;
    if (nameGlob?.(name)) return true;
    return pathGlob?.(relativePath) ?? false;
  };
}
