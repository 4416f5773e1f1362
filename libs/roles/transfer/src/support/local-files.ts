// The port for the few local file operations the role does itself (the object store does the
// transfers): what a restored file looks like on the storage, and a scratch folder for exports.

export interface LocalFileInfo {
  readonly size: number;
  readonly mtime: Date;
  /** A decimal string: inode numbers may exceed 2^53. */
  readonly inode: string;
}

export abstract class LocalFiles {
  abstract stat(absolutePath: string): Promise<LocalFileInfo>;
  /** A fresh private folder on this node's local disk, and a function that deletes it. */
  abstract scratchDir(label: string): Promise<{ path: string; remove: () => Promise<void> }>;
}
