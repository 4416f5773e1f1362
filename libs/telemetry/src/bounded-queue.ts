/**
 * A FIFO of log lines bounded by count and bytes. Adding past a bound drops the oldest lines
 * and counts them, in O(1) per line, so a log flood during an outage costs neither memory nor
 * the logger's time.
 */
export class BoundedLineQueue {
  private items: (string | undefined)[] = [];
  private sizes: number[] = [];
  private head = 0;
  private bytesHeld = 0;

  constructor(
    private readonly maxLines: number,
    private readonly maxBytes: number,
  ) {}

  get length(): number {
    return this.items.length - this.head;
  }

  get bytes(): number {
    return this.bytesHeld;
  }

  /** Appends at the tail; returns how many of the oldest lines were dropped to make room. */
  push(line: string, size: number): number {
    this.items.push(line);
    this.sizes.push(size);
    this.bytesHeld += size;
    return this.enforce();
  }

  /** Puts lines back at the head in their order (a batch that failed to ship); returns lines dropped. */
  unshift(lines: readonly { line: string; size: number }[]): number {
    const rest = this.items.slice(this.head);
    const restSizes = this.sizes.slice(this.head);
    this.items = [...lines.map((item) => item.line), ...rest];
    this.sizes = [...lines.map((item) => item.size), ...restSizes];
    this.head = 0;
    for (const item of lines) this.bytesHeld += item.size;
    return this.enforce();
  }

  /** Removes up to `maxLines` from the head, stopping before `maxBytes` (at least one line). */
  take(maxLines: number, maxBytes: number): { line: string; size: number }[] {
    const taken: { line: string; size: number }[] = [];
    let bytes = 0;
    while (this.length > 0 && taken.length < maxLines) {
      const size = this.sizes[this.head] ?? 0;
      if (taken.length > 0 && bytes + size > maxBytes) break;
      taken.push({ line: this.shiftOne(), size });
      bytes += size;
    }
    this.compact();
    return taken;
  }

  private enforce(): number {
    let dropped = 0;
    while (this.length > 0 && (this.length > this.maxLines || this.bytesHeld > this.maxBytes)) {
      this.shiftOne();
      dropped += 1;
    }
    this.compact();
    return dropped;
  }

  private shiftOne(): string {
    const line = this.items[this.head] ?? '';
    this.bytesHeld -= this.sizes[this.head] ?? 0;
    this.items[this.head] = undefined;
    this.head += 1;
    return line;
  }

  /** Reclaims the consumed prefix once it is at least half the array. */
  private compact(): void {
    if (this.head > 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.sizes = this.sizes.slice(this.head);
      this.head = 0;
    }
  }
}
