// A whole-tree walk with the frontier in memory: for callers that need no checkpoint (tests,
// tools). The scanner drives a WalkSession itself, with its frontier in the database.
import { childPath, type DirectoryChunk, type StorageWalker, type WalkOptions } from './walk';

export interface WalkTreeOptions extends WalkOptions {
  /** About this many entries per batch. Default 5,000. */
  readonly batchEntries?: number;
}

/**
 * Yields batches of chunks. Sub-folders are queued as soon as their parent's chunk arrives
 * (depth first, so the queue stays small); a consumer that does not ask for the next batch
 * stops the listers once their allowance is buffered (bounded memory).
 */
export async function* walkTree(
  walker: StorageWalker,
  options: WalkTreeOptions,
): AsyncGenerator<DirectoryChunk[], void, undefined> {
  const session = await walker.open(options, subfolderTasks);
  try {
    session.add([{ path: '', ancestors: [] }]);
    for (;;) {
      const chunks = await session.next(options.batchEntries ?? 5000);
      if (!chunks) return;
      yield chunks;
    }
  } finally {
    await session.close();
  }
}

/** The tasks for the sub-folders a chunk found, carrying the ancestry for loop checks. */
export function subfolderTasks(chunk: DirectoryChunk): Array<{ path: string; ancestors: string[] }> {
  if (chunk.subdirs.length === 0) return [];
  const ancestors = [...chunk.ancestors, chunk.identity];
  return chunk.subdirs.map((name) => ({ path: childPath(chunk.dir, name), ancestors }));
}
