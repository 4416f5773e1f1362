// An order-independent fingerprint of a folder's files (name, size, mtime, inode): two 32-bit
// hashes per file, summed, plus the count. Equal fingerprints mean, but for a 2^-64 chance, the
// same files with the same versions, whatever order the file system lists them in. The scanner
// compares it with the one stored for the folder to skip unchanged folders on a rescan.
const words = new Uint32Array(2);
const asFloat = new Float64Array(words.buffer);

function mix(hash: number): number {
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  return (hash ^ (hash >>> 16)) >>> 0;
}

export class ListingFingerprint {
  private count = 0;
  private sumA = 0;
  private sumB = 0;

  add(name: string, size: number, mtimeMs: number, inode: string): void {
    let a = 0x811c9dc5;
    let b = 0x5bd1e995 ^ name.length;
    const feed = (code: number): void => {
      a = Math.imul(a ^ code, 0x01000193);
      b = Math.imul(b ^ code, 0x5bd1e995);
      b ^= b >>> 15;
    };
    for (let index = 0; index < name.length; index++) feed(name.charCodeAt(index));
    feed(0xffff);
    for (let index = 0; index < inode.length; index++) feed(inode.charCodeAt(index));
    asFloat[0] = size;
    feed(words[0]!);
    feed(words[1]!);
    asFloat[0] = mtimeMs;
    feed(words[0]!);
    feed(words[1]!);
    this.sumA = (this.sumA + mix(a)) >>> 0;
    this.sumB = (this.sumB + mix(b ^ 0x9e3779b9)) >>> 0;
    this.count += 1;
  }

  value(): string {
    return `${this.count}-${this.sumA.toString(16)}-${this.sumB.toString(16)}`;
  }
}
