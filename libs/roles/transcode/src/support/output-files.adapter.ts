import { mkdir, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { type JobOutput } from '@portico/media';

import { OutputFiles } from './output-files';

/** OutputFiles on the node's file system (paths come resolved by StoragePaths). */
export class NodeOutputFiles extends OutputFiles {
  async ensureFolder(absolutePath: string): Promise<void> {
    await mkdir(absolutePath, { recursive: true });
  }

  async finished(absolutePath: string, output: JobOutput): Promise<string[] | undefined> {
    const found = await stat(absolutePath).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    });
    if (!found) return undefined;
    if (output.type === 'file') return found.isFile() ? [absolutePath] : undefined;
    if (!found.isDirectory()) return undefined;
    // Only the sequence's own numbered files: never a temp file someone left in the folder.
    const numbered = sequenceMatcher(output.pattern);
    const names = (await readdir(absolutePath)).filter((name) => numbered.test(name)).sort();
    return names.length > 0 ? names.map((name) => path.join(absolutePath, name)) : undefined;
  }
}

/** `keyframe-%05d.jpg` → /^keyframe-\d{5,}\.jpg$/ (ffmpeg's image2 numbering). */
function sequenceMatcher(pattern: string): RegExp {
  const escaped = pattern.replace(/[.*+?^$()|[\]\\{}]/g, '\\$&');
  return new RegExp(`^${escaped.replace(/%0(\d)d/, '\\d{$1,}')}$`);
}
