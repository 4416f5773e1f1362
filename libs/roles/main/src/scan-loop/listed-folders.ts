// The folders a scan listed, for the storage watch: recorded as the walker's chunks pass by, so
// they cost no file-system or database read. (The run's checkpoint, portico.scan_dirs, is
// deleted when the run completes; portico.scan_folders would be a read of every folder of the
// cluster after every scan, and keeps folders whose removal is held.) Only the shallowest ones are
// kept, as many as can be watched: memory stays bounded on a storage of a million folders.
import {
  depthOf,
  type Descend,
  type PathProbe,
  StorageWalker,
  type WalkOptions,
  type WalkSession,
} from '@portico/storage';

export class ListedFolders {
  /** Kept folders by depth (index 1: the root's sub-folders). */
  private readonly byDepth: string[][] = [];
  private kept = 0;
  private seen = 0;
  private deepest = 0;

  /** `limit`: folders kept at most, the shallowest (the root is never recorded: it is always watched). */
  constructor(private readonly limit: number) {}

  /** A folder listed by the scan (relative to the root; never the root itself). */
  add(path: string): void {
    if (path === '') return;
    this.seen += 1;
    const depth = depthOf(path);
    if (this.kept >= this.limit) {
      while (this.deepest > 0 && (this.byDepth[this.deepest]?.length ?? 0) === 0) this.deepest -= 1;
      // As deep as the deepest kept folder or deeper: the earlier-listed ones stay.
      if (this.limit === 0 || depth >= this.deepest) return;
      this.byDepth[this.deepest]!.pop();
      this.kept -= 1;
    }
    (this.byDepth[depth] ??= []).push(path);
    this.kept += 1;
    if (depth > this.deepest) this.deepest = depth;
  }

  /** The kept folders, shallowest first. */
  paths(): string[] {
    return this.byDepth.flatMap((paths) => paths ?? []);
  }

  /** Folders listed but not kept (beyond the limit). */
  get dropped(): number {
    return this.seen - this.kept;
  }
}

/**
 * A walker that records into `folders` every folder its sessions hand over (first chunk of each,
 * listed without failure). Everything else is the wrapped walker's.
 */
export class RecordingWalker extends StorageWalker {
  constructor(
    private readonly inner: StorageWalker,
    private readonly folders: ListedFolders,
  ) {
    super();
  }

  async open(options: WalkOptions, descend?: Descend): Promise<WalkSession> {
    const session = await this.inner.open(options, descend);
    const folders = this.folders;
    return {
      add: (tasks) => session.add(tasks),
      get queued() {
        return session.queued;
      },
      next: async (maxEntries, minEntries) => {
        const chunks = await session.next(maxEntries, minEntries);
        if (chunks)
          for (const chunk of chunks) if (chunk.part === 0 && !chunk.failure) folders.add(chunk.dir);
        return chunks;
      },
      close: () => session.close(),
    };
  }

  probe(root: string, paths: readonly string[]): Promise<PathProbe[]> {
    return this.inner.probe(root, paths);
  }
}
