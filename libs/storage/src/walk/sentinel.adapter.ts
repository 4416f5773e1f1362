import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

import {
  parseSentinel,
  SENTINEL_FILE,
  SENTINEL_FOLDER,
  type SentinelReading,
  StorageSentinel,
} from './sentinel';

export class FileStorageSentinel extends StorageSentinel {
  async read(root: string): Promise<SentinelReading> {
    const file = path.join(root, SENTINEL_FOLDER, SENTINEL_FILE);
    let content: string;
    try {
      content = await readFile(file, 'utf8');
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return { state: 'missing' };
      return { state: 'unreadable', message: `${file} could not be read: ${messageOf(error)}` };
    }
    return parseSentinel(content);
  }

  async create(root: string, storageId: string): Promise<void> {
    const folder = path.join(root, SENTINEL_FOLDER);
    const file = path.join(folder, SENTINEL_FILE);
    const temp = path.join(folder, `.${SENTINEL_FILE}.${randomUUID()}.tmp`);
    try {
      await mkdir(folder, { recursive: true });
      await writeFile(temp, `${storageId}\n`, { flag: 'wx' });
      await rename(temp, file);
    } catch (error) {
      await rm(temp, { force: true }).catch(() => undefined);
      throw new Error(
        `could not write the storage sentinel ${file} (${messageOf(error)}); give this node write ` +
          `access to ${folder}, or create the file by hand with the content ${storageId}`,
        { cause: error },
      );
    }
  }
}

function messageOf(error: unknown): string {
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : String(error);
}
