// The end of a tool's stderr, bounded: the failure reason is in the last lines, and a decoder
// complaining about every frame of a long corrupt file must not grow memory without limit.
const KEEP_BYTES = 64 * 1024;

export class StderrTail {
  private chunks: Buffer[] = [];
  private bytes = 0;

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.bytes += chunk.length;
    if (this.bytes > 2 * KEEP_BYTES) {
      const joined = Buffer.concat(this.chunks);
      this.chunks = [joined.subarray(joined.length - KEEP_BYTES)];
      this.bytes = KEEP_BYTES;
    }
  }

  text(): string {
    const joined = Buffer.concat(this.chunks);
    return joined.subarray(Math.max(0, joined.length - KEEP_BYTES)).toString('utf8');
  }
}
