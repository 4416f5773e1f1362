// Paths in the catalog are relative to the storage root, POSIX-style: "Projects/A/clip.mov".
// The same file has one spelling, so that look-ups by path and the content version are exact.

/** Why a path is not a catalog path, or undefined when it is. */
export function catalogPathProblem(path: string): string | undefined {
  if (path.length === 0) return 'is empty';
  if (path.length > 4096) return 'is longer than 4096 characters';
  if (path.includes('\u0000')) return 'contains a NUL character';
  if (path.startsWith('/')) return 'must be relative to the storage root (no leading "/")';
  if (path.includes('\\')) return 'must use "/" as the separator';
  const segments = path.split('/');
  if (segments.some((segment) => segment === '')) return 'has an empty segment ("//" or a trailing "/")';
  if (segments.some((segment) => segment === '.' || segment === '..'))
    return 'must not contain "." or ".." segments';
  return undefined;
}

/** Throws a RangeError naming the path when it is not a catalog path. */
export function assertCatalogPath(path: string): string {
  const problem = catalogPathProblem(path);
  if (problem) throw new RangeError(`catalog path "${path.slice(0, 200)}" ${problem}`);
  return path;
}

/** The last segment: what an asset is called by default. */
export function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** A LIKE pattern matching every path that starts with `prefix` (its %, _ and \ escaped). */
export function likePrefix(prefix: string): string {
  return `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
