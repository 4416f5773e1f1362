// How a chunk crosses from a walker thread to the session: a structured clone of a few hundred
// small strings and numbers per folder costs more than listing the folder, so the files travel
// as two '\0'-joined strings (no name holds a NUL) and one Float64Array moved without a copy.
import type { DirectoryChunk, FileColumns } from './walk';

const SEPARATOR = '\0';

export interface PackedFiles {
  readonly count: number;
  readonly names: string;
  readonly inodes: string;
  /** size, mtimeMs, dev of each file. */
  readonly numbers: Float64Array;
}

export type PackedChunk = Omit<DirectoryChunk, 'files'> & { readonly files: PackedFiles };

export function packChunk(chunk: DirectoryChunk): PackedChunk {
  const { names, sizes, mtimesMs, inodes, devs } = chunk.files;
  const numbers = new Float64Array(names.length * 3);
  for (let index = 0; index < names.length; index++) {
    numbers[index * 3] = sizes[index]!;
    numbers[index * 3 + 1] = mtimesMs[index]!;
    numbers[index * 3 + 2] = devs[index]!;
  }
  return {
    ...chunk,
    files: { count: names.length, names: names.join(SEPARATOR), inodes: inodes.join(SEPARATOR), numbers },
  };
}

export function unpackChunk(packed: PackedChunk): DirectoryChunk {
  const { count, numbers } = packed.files;
  const files: FileColumns = {
    names: count === 0 ? [] : packed.files.names.split(SEPARATOR),
    inodes: count === 0 ? [] : packed.files.inodes.split(SEPARATOR),
    sizes: new Array<number>(count),
    mtimesMs: new Array<number>(count),
    devs: new Array<number>(count),
  };
  for (let index = 0; index < count; index++) {
    files.sizes[index] = numbers[index * 3]!;
    files.mtimesMs[index] = numbers[index * 3 + 1]!;
    files.devs[index] = numbers[index * 3 + 2]!;
  }
  return { ...packed, files };
}
