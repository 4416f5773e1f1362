// A delete event's removals from the storage, bounded in time: they run inside the leader's
// fenced transaction (so a deposed leader cannot delete anything), which must stay short.
import type { FileToDelete } from './event-plan';
import type { RemoveOutcome, StorageFiles } from './storage-files';

export interface Removal {
  readonly file: FileToDelete;
  readonly outcome?: RemoveOutcome;
  /** Why the file was not deleted. */
  readonly error?: string;
}

/** Removes the files, `concurrency` at a time; whatever has not answered within `budgetMs` is reported as not deleted. */
export async function removeWithin(
  files: StorageFiles,
  targets: readonly FileToDelete[],
  budgetMs: number,
  concurrency = 8,
): Promise<Removal[]> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), budgetMs)));
  let late = false;
  void deadline.then(() => (late = true));
  const results: Removal[] = new Array<Removal>(targets.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < targets.length; i = next++) {
      const file = targets[i]!;
      if (late) {
        results[i] = { file, error: `not attempted: the storage did not answer within ${budgetMs} ms` };
        continue;
      }
      try {
        const outcome = await Promise.race([files.remove(file.path), deadline]);
        results[i] =
          outcome === 'late'
            ? {
                file,
                error: `no answer from the storage within ${budgetMs} ms (the next scan records it if it went)`,
              }
            : { file, outcome };
      } catch (error) {
        results[i] = { file, error: error instanceof Error ? error.message : String(error) };
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, targets.length) }, worker));
  } finally {
    clearTimeout(timer);
  }
  return results;
}
