// Test helpers for code that reads files: reference digests from the standard tools, random
// content, timestamps moved out of the way, and the descriptors a process still holds.
import { execFile } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { readdirSync, readlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The reference tools: coreutils for MD5/SHA, the xxHash reference implementation for xxh64/xxh3. */
const REFERENCE = {
  md5: { command: 'md5sum', args: [] },
  sha1: { command: 'sha1sum', args: [] },
  sha256: { command: 'sha256sum', args: [] },
  xxh64: { command: 'xxhsum', args: ['-H1'] },
  xxh3: { command: 'xxhsum', args: ['-H3'] },
} as const satisfies Record<string, { command: string; args: readonly string[] }>;

export type ReferenceAlgorithm = keyof typeof REFERENCE;

/** The file's digest as the reference tool prints it (lower-case hex). */
export async function referenceChecksum(algorithm: ReferenceAlgorithm, file: string): Promise<string> {
  const { command, args } = REFERENCE[algorithm];
  const { stdout } = await run(command, [...args, file], { maxBuffer: 1 << 20 });
  // `hash  file` (coreutils, xxhsum -H1) or `XXH3 (file) = hash` (xxhsum -H3).
  const match = /^([0-9a-f]+)\s/.exec(stdout) ?? /= ([0-9a-f]+)\s*$/.exec(stdout);
  if (!match) throw new Error(`cannot parse ${command} output: ${stdout}`);
  return match[1]!;
}

/** Descriptors this process (every thread of it) holds open on `file` (Linux /proc). */
export function openDescriptorsOn(file: string): number {
  return readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`) === file;
    } catch {
      return false;
    }
  }).length;
}

export function writeRandomFile(file: string, size: number): void {
  const data = Buffer.allocUnsafe(size);
  randomFillSync(data);
  writeFileSync(file, data);
}

/** Sets the file's times an hour back, so any write during a test moves them whatever the clock's granularity. */
export function ageFile(file: string): void {
  const past = new Date(Date.now() - 3_600_000);
  utimesSync(file, past, past);
}
