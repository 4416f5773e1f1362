// A storage's scan directories (relative folders; none: the whole storage) as a test of each
// entry met by the walk: a folder is walked when it is a scan directory, inside one, or on the way
// to one; a file is taken only inside a scan directory.

export type ScanScope = (relativePath: string, isDirectory: boolean) => boolean;

/** Normalises `dirs` ('/a/b/' → 'a/b'); throws on '..' or an empty segment, which a scope cannot mean. */
export function compileScanScope(dirs: readonly string[]): ScanScope {
  const roots = dirs.map((dir) => dir.trim().replace(/^\/+|\/+$/g, '')).filter((dir) => dir.length > 0);
  for (const dir of roots) {
    if (dir.split('/').some((segment) => segment === '' || segment === '.' || segment === '..'))
      throw new Error(`scan directory "${dir}" must be a plain relative folder path (no "..", "." or "//")`);
  }
  if (roots.length === 0) return () => true;
  return (relativePath, isDirectory) =>
    roots.some(
      (root) =>
        relativePath === root ||
        relativePath.startsWith(`${root}/`) ||
        (isDirectory && root.startsWith(`${relativePath}/`)),
    );
}
