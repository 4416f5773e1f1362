// LocalFiles on the node's file system.
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { type LocalFileInfo, LocalFiles } from './local-files';

export class NodeLocalFiles extends LocalFiles {
  constructor(private readonly scratchRoot: string = tmpdir()) {
    super();
  }

  async stat(absolutePath: string): Promise<LocalFileInfo> {
    const found = await stat(absolutePath, { bigint: true });
    return {
      size: Number(found.size),
      mtime: new Date(Number(found.mtimeMs)),
      inode: found.ino.toString(),
    };
  }

  async scratchDir(label: string): Promise<{ path: string; remove: () => Promise<void> }> {
    const dir = await mkdtemp(path.join(this.scratchRoot, `portico-${label.replace(/[^a-z0-9-]/gi, '')}-`));
    return { path: dir, remove: () => rm(dir, { recursive: true, force: true }) };
  }
}
