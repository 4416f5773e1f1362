// The local file being uploaded, read by byte range. It is opened once, so a rename or delete
// on the storage during the upload does not switch files under us; a file that shrinks while
// we read is reported as changed.
import { open, type FileHandle } from 'node:fs/promises';

import { localFileError } from '../errors/local-file-error';
import { ObjectStoreError } from '../errors/object-store-error';

export class SourceFile {
  private constructor(
    readonly path: string,
    private readonly handle: FileHandle,
    readonly size: number,
  ) {}

  static async open(path: string): Promise<SourceFile> {
    let handle: FileHandle;
    try {
      handle = await open(path, 'r');
    } catch (error) {
      throw localFileError(error, path, 'open the upload source');
    }
    try {
      const stat = await handle.stat();
      if (!stat.isFile())
        throw new ObjectStoreError('local-io', `Upload source "${path}" is not a regular file.`, {
          path,
          permanent: true,
        });
      return new SourceFile(path, handle, stat.size);
    } catch (error) {
      await handle.close().catch(() => undefined);
      throw localFileError(error, path, 'stat the upload source');
    }
  }

  /** Exactly `size` bytes from `offset`. */
  async read(offset: number, size: number): Promise<Buffer> {
    const buffer = Buffer.allocUnsafe(size);
    let filled = 0;
    while (filled < size) {
      let bytesRead: number;
      try {
        ({ bytesRead } = await this.handle.read(buffer, filled, size - filled, offset + filled));
      } catch (error) {
        throw localFileError(error, this.path, 'read the upload source');
      }
      if (bytesRead === 0)
        throw new ObjectStoreError(
          'source-changed',
          `Upload source "${this.path}" shrank while it was being uploaded (expected ${this.size} bytes); ` +
            'it will be uploaded once the file is stable and checksummed again.',
          { path: this.path },
        );
      filled += bytesRead;
    }
    return buffer;
  }

  async close(): Promise<void> {
    await this.handle.close().catch(() => undefined);
  }
}
