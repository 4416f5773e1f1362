// Port: removing an original from the shared storage for a delete event. The adapter beside it
// (storage-files.adapter.ts) confines the path to the storage root of this node's mount point.

export type RemoveOutcome = 'deleted' | 'missing';

export abstract class StorageFiles {
  /**
   * Deletes the file at a storage-relative path; 'missing' when nothing was there. Rejects when
   * the path leads outside the storage root (PathSecurityError) or the file cannot be deleted.
   */
  abstract remove(path: string): Promise<RemoveOutcome>;
}
