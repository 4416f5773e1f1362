// Which version of a file was hashed: what `stat` says before and after reading. A sum is only
// reported when both agree, so a file changed while it was read never gets a wrong checksum.

/** The fields of Node's `BigIntStats` used here (nanosecond times, 64-bit inode numbers). */
export interface BigIntStatsLike {
  readonly size: bigint;
  readonly mtimeNs: bigint;
  readonly ctimeNs: bigint;
  readonly ino: bigint;
  readonly dev: bigint;
  isFile(): boolean;
}

export interface FileVersion {
  readonly size: number;
  readonly mtimeNs: bigint;
  /** Changes with every content write and also with chmod/chown; see versionChanges. */
  readonly ctimeNs: bigint;
  readonly inode: bigint;
  readonly device: bigint;
}

export function fileVersion(stats: BigIntStatsLike): FileVersion {
  return {
    size: Number(stats.size),
    mtimeNs: stats.mtimeNs,
    ctimeNs: stats.ctimeNs,
    inode: stats.ino,
    device: stats.dev,
  };
}

/** Whole milliseconds since the epoch, truncated, as job payloads carry `mtimeMs`. */
export function mtimeMs(version: FileVersion): number {
  return Number(version.mtimeNs / 1_000_000n);
}

/**
 * What differs between two versions, for the operator; empty when they are the same version.
 * The change time is compared too: a writer that restores the mtime afterwards (`cp -p`,
 * `rsync -t` in place, `touch -r`) still moves it. A chmod during hashing also moves it and
 * costs a retry, which is cheaper than a wrong sum.
 */
export function versionChanges(before: FileVersion, after: FileVersion): string[] {
  const changes: string[] = [];
  if (before.device !== after.device || before.inode !== after.inode) {
    changes.push(`replaced by another file (inode ${before.inode} -> ${after.inode})`);
  }
  if (before.size !== after.size) changes.push(`size ${before.size} -> ${after.size} bytes`);
  if (before.mtimeNs !== after.mtimeNs) {
    changes.push(`modification time ${isoNs(before.mtimeNs)} -> ${isoNs(after.mtimeNs)}`);
  } else if (before.ctimeNs !== after.ctimeNs) {
    changes.push(`status-change time ${isoNs(before.ctimeNs)} -> ${isoNs(after.ctimeNs)}`);
  }
  return changes;
}

function isoNs(ns: bigint): string {
  if (ns < 0n) return `${ns} ns`;
  const iso = new Date(Number(ns / 1_000_000n)).toISOString();
  return `${iso.slice(0, -1)}${(ns % 1_000_000n).toString().padStart(6, '0')}Z`;
}
