// Before a tool runs: the input must exist, and a zero-byte file or a folder is not media. The
// stat is bounded by a deadline and the abort signal, because on a hung NFS mount it never
// returns (it blocks one libuv thread, which we cannot get back, but the job does not wait on it).
import { stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import {
  MediaAbortedError,
  MediaInputError,
  MediaProcessError,
  MediaTimeoutError,
  type MediaToolName,
} from '../run/errors';

export async function checkInput(
  file: string,
  tool: MediaToolName,
  deadlineMs: number,
  signal: AbortSignal | undefined,
): Promise<void> {
  const info = await boundedStat(file, tool, deadlineMs, signal);
  if (info.isDirectory()) throw new MediaInputError(file, tool, 'it is a directory');
  if (info.isFile() && info.size === 0) throw new MediaInputError(file, tool, 'the file is empty (0 bytes)');
}

function boundedStat(
  file: string,
  tool: MediaToolName,
  deadlineMs: number,
  signal: AbortSignal | undefined,
): Promise<Stats> {
  if (signal?.aborted) return Promise.reject(new MediaAbortedError(file, tool, undefined, signal.reason));
  return new Promise<Stats>((resolve, reject) => {
    const onAbort = (): void => {
      cleanup();
      reject(new MediaAbortedError(file, tool, undefined, signal?.reason));
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new MediaTimeoutError(file, tool, 'wall-clock', deadlineMs, undefined));
    }, deadlineMs);
    const cleanup = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    stat(file).then(
      (info) => {
        cleanup();
        resolve(info);
      },
      (error: NodeJS.ErrnoException) => {
        cleanup();
        reject(
          error.code === 'ENOENT'
            ? new MediaProcessError(
                file,
                tool,
                'the input does not exist (moved or deleted after it was queued?)',
              )
            : new MediaProcessError(file, tool, `cannot examine the input: ${error.message}`, {
                cause: error,
              }),
        );
      },
    );
  });
}
