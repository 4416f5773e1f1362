import { Writable } from 'node:stream';

/**
 * The logger's destination: every line goes to the primary stream (stdout) and to the sinks
 * attached later (the log shipper attaches once the node knows its control plane). A sink
 * that fails or falls behind never blocks or breaks logging to stdout.
 */
export class LogTee extends Writable {
  private readonly sinks = new Set<(line: string) => void>();

  constructor(private readonly primary: NodeJS.WritableStream) {
    super({ decodeStrings: false });
  }

  /** Attaches a sink; returns the function that detaches it. */
  attach(sink: (line: string) => void): () => void {
    this.sinks.add(sink);
    return () => this.sinks.delete(sink);
  }

  override _write(
    chunk: Buffer | string,
    _encoding: BufferEncoding,
    callback: (error?: Error | null) => void,
  ): void {
    const text = typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    this.primary.write(text);
    if (this.sinks.size) {
      for (const line of text.split('\n')) {
        if (!line) continue;
        for (const sink of this.sinks) {
          try {
            sink(line);
          } catch {
            // A failing sink must not cost the node its logging.
          }
        }
      }
    }
    callback();
  }
}
