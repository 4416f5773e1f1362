import { statfs } from 'node:fs/promises';
import { StorageStatsProvider, type StorageStatsRecord } from './ports';

/**
 * Capacity and free space of the file system holding the mount point. `freeBytes` is what this
 * node may still write (blocks available to unprivileged users), not the raw free blocks.
 * File counts and scan progress belong to the scanner; pass them in through `extra`.
 */
export class StatfsStorageStatsProvider extends StorageStatsProvider {
  constructor(
    private readonly mountPoint: string,
    private readonly extra: () => Pick<StorageStatsRecord, 'files' | 'scan'> = () => ({}),
  ) {
    super();
  }

  async read(): Promise<StorageStatsRecord> {
    let stats;
    try {
      stats = await statfs(this.mountPoint);
    } catch (error) {
      throw new Error(`cannot read capacity of the storage at ${this.mountPoint}: ${messageOf(error)}`, {
        cause: error,
      });
    }
    return {
      mountPoint: this.mountPoint,
      capacityBytes: stats.blocks * stats.bsize,
      freeBytes: stats.bavail * stats.bsize,
      ...this.extra(),
    };
  }
}

function messageOf(error: unknown): string {
  // Duck-typed: errors made by Node's core (fs, net) may come from another realm than `Error`.
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : String(error);
}
