// Deletes originals on this node's mount point. The folder is resolved inside the storage root
// (real path, no `..`, no link leading out) and the entry itself is unlinked: a symbolic link
// at the path is removed as a link, never followed to delete what it points at.
import { unlink } from 'node:fs/promises';
import path from 'node:path';

import { type StoragePaths } from '@portico/storage';

import { type RemoveOutcome, StorageFiles } from './storage-files';

export class FsStorageFiles extends StorageFiles {
  constructor(private readonly paths: StoragePaths) {
    super();
  }

  async remove(storagePath: string): Promise<RemoveOutcome> {
    // Validates the whole path first (absolute, `..`, NUL, a link leading out: PathSecurityError).
    await this.paths.resolve(storagePath);
    const slash = storagePath.lastIndexOf('/');
    const folder = await this.paths.resolve(slash < 0 ? '' : storagePath.slice(0, slash));
    try {
      await unlink(path.join(folder, storagePath.slice(slash + 1)));
      return 'deleted';
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
      throw error;
    }
  }
}
