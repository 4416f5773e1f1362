// Outputs appear whole or not at all. ffmpeg writes under a temp name beside the final place (same
// folder, so the rename is atomic and never crosses file systems); a success renames it into
// place, a failure deletes it. Temp names start with a dot and contain `.portico-tmp-`, so a
// sweeper can recognise what a killed worker left behind.
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { JobOutput } from '../commands/ffmpeg-job';

export const TEMP_MARKER = '.portico-tmp-';

export interface StagedOutput {
  /** The path given to ffmpeg: the temp file, or the numbered pattern inside the temp folder. */
  readonly target: string;
  /** The temp files ffmpeg wrote with content, in order; empty when it wrote nothing. */
  written(): Promise<string[]>;
  /** Moves the output into place (replacing an older one); returns the final file paths. */
  commit(): Promise<string[]>;
  /** Deletes whatever was written under the temp name. Never throws. */
  discard(): Promise<void>;
}

/** `final` is the output file, or for a sequence the folder that will hold the numbered files. */
export async function stageOutput(output: JobOutput, final: string): Promise<StagedOutput> {
  const folder = dirname(final);
  await mkdir(folder, { recursive: true });
  const temp = join(folder, `.${basename(final)}${TEMP_MARKER}${randomBytes(6).toString('hex')}`);
  switch (output.type) {
    case 'file':
      return stagedFile(temp, final);
    case 'sequence':
      await mkdir(temp);
      return stagedSequence(temp, final, output.pattern);
  }
}

function stagedFile(temp: string, final: string): StagedOutput {
  return {
    target: temp,
    written: async () => {
      const info = await stat(temp).catch(() => undefined);
      return info?.isFile() && info.size > 0 ? [temp] : [];
    },
    commit: async () => {
      await rename(temp, final);
      return [final];
    },
    discard: () => rm(temp, { force: true }).catch(() => undefined),
  };
}

function stagedSequence(temp: string, final: string, pattern: string): StagedOutput {
  const files = async (folder: string): Promise<string[]> => {
    const names = (await readdir(folder)).sort();
    const sized = await Promise.all(
      names.map(async (name) => ((await stat(join(folder, name))).size > 0 ? join(folder, name) : undefined)),
    );
    return sized.filter((file): file is string => file !== undefined);
  };
  return {
    // The image2 muxer reads `%` in the whole path as a pattern; `%%` is a literal percent sign.
    target: join(temp.replace(/%/g, '%%'), pattern),
    written: () => files(temp),
    commit: async () => {
      await replaceFolder(temp, final);
      return files(final);
    },
    discard: () => rm(temp, { recursive: true, force: true }).catch(() => undefined),
  };
}

/**
 * A folder cannot be renamed over a non-empty one: the old one is moved aside first and deleted
 * after. Between the two renames the final path is briefly absent, never half-written.
 */
async function replaceFolder(temp: string, final: string): Promise<void> {
  try {
    await rename(temp, final);
    return;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw error;
  }
  const aside = join(
    dirname(final),
    `.${basename(final)}${TEMP_MARKER}old-${randomBytes(6).toString('hex')}`,
  );
  await rename(final, aside);
  await rename(temp, final);
  await rm(aside, { recursive: true, force: true });
}
