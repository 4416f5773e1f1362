// Port: confinement of every file operation to the storage root (SPEC 2.6). The adapter beside
// it (storage-paths.adapter.ts) resolves real paths on this node's mount point.

export abstract class StoragePaths {
  /** This node's mount point of the storage, as configured (`[storage] mount-point`). */
  abstract readonly mountPoint: string;

  /**
   * The absolute path to operate on for a storage-relative path: the real path of the target,
   * or, for a file about to be created, the real path of its nearest existing ancestor joined
   * with the rest. Rejects with `PathSecurityError` (permanent) when the path is absolute, has a
   * `..` segment or a NUL, or a symbolic link leads outside the real path of the root.
   */
  abstract resolve(relativePath: string): Promise<string>;

  /**
   * `resolve` for several paths against one resolution of the root (a batch of files): each
   * path's absolute path, or the error `resolve` would have rejected it with. Rejects only when
   * the root itself cannot be resolved.
   */
  abstract resolveAll(relativePaths: readonly string[]): Promise<Array<string | Error>>;

  /**
   * The storage-relative path of an absolute path under the mount point, or under its real path
   * (what `resolve` returns); `PathSecurityError` when it is under neither.
   */
  abstract relative(absolutePath: string): Promise<string>;
}
