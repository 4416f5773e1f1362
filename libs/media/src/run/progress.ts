// ffmpeg's `-progress pipe:1` output: blocks of key=value lines, each ended by
// `progress=continue` (or `progress=end` for the last), written about twice a second while ffmpeg
// works. Nothing is written while it is stuck (a hung read), which is what the watchdog watches.

export interface MediaProgress {
  /** Output position in seconds (ffmpeg's out_time); undefined before the first frame. */
  readonly outTimeSeconds?: number;
  /** outTimeSeconds against the media's duration, 0–100; undefined without a known duration. */
  readonly percent?: number;
  /** Frames written so far. */
  readonly frame?: number;
  readonly totalSizeBytes?: number;
  /** Processing speed as a multiple of real time. */
  readonly speed?: number;
  /** The last block: ffmpeg is finishing. */
  readonly done: boolean;
}

/** Longer lines are not ffmpeg progress; they are dropped instead of growing the buffer. */
const MAX_LINE = 4096;

/** Turns chunks of `-progress` output into one MediaProgress per block. */
export class ProgressParser {
  private partial = '';
  private fields = new Map<string, string>();

  /** @param durationSeconds the media time ffmpeg will go through, for `percent` */
  constructor(private readonly durationSeconds: number | undefined) {}

  /** Feeds a chunk (lines may be split across chunks); returns the blocks it completed. */
  push(chunk: string): MediaProgress[] {
    const lines = (this.partial + chunk).split(/\r?\n/);
    this.partial = lines.pop() ?? '';
    if (this.partial.length > MAX_LINE) this.partial = '';
    const blocks: MediaProgress[] = [];
    for (const line of lines) {
      const equals = line.indexOf('=');
      if (equals <= 0) continue;
      const key = line.slice(0, equals).trim();
      const value = line.slice(equals + 1).trim();
      if (key !== 'progress') {
        this.fields.set(key, value);
        continue;
      }
      blocks.push(this.block(value === 'end'));
      this.fields = new Map();
    }
    return blocks;
  }

  private block(done: boolean): MediaProgress {
    const outTimeSeconds = this.outTime();
    const duration = this.durationSeconds;
    return {
      outTimeSeconds,
      percent:
        duration !== undefined && duration > 0 && outTimeSeconds !== undefined
          ? Math.min(100, Math.max(0, (outTimeSeconds / duration) * 100))
          : undefined,
      frame: wholeNumber(this.fields.get('frame')),
      totalSizeBytes: wholeNumber(this.fields.get('total_size')),
      speed: decimal(this.fields.get('speed')?.replace(/x$/, '')),
      done,
    };
  }

  /** out_time_us (microseconds), else out_time (HH:MM:SS.micro); "N/A" and negative values before the first frame. */
  private outTime(): number | undefined {
    const micros = decimal(this.fields.get('out_time_us'));
    if (micros !== undefined) return micros >= 0 ? micros / 1e6 : undefined;
    const match = /^(\d+):(\d{2}):(\d{2}(?:\.\d+)?)$/.exec(this.fields.get('out_time') ?? '');
    if (!match) return undefined;
    return Number(match[1]) * 3600 + Number(match[2]) * 60 + Number(match[3]);
  }
}

/** Whether ffmpeg got further between two blocks: more output time, frames or bytes. */
export function progressAdvanced(previous: MediaProgress | undefined, next: MediaProgress): boolean {
  if (next.done) return true;
  if (!previous) return true;
  return (
    (next.outTimeSeconds ?? -1) > (previous.outTimeSeconds ?? -1) ||
    (next.frame ?? -1) > (previous.frame ?? -1) ||
    (next.totalSizeBytes ?? -1) > (previous.totalSizeBytes ?? -1)
  );
}

function decimal(value: string | undefined): number | undefined {
  if (value === undefined || value === '' || value === 'N/A') return undefined;
  const parsed = Number(value);
  return Number.isFinite(parsed) ? parsed : undefined;
}

function wholeNumber(value: string | undefined): number | undefined {
  const parsed = decimal(value);
  return parsed !== undefined && Number.isInteger(parsed) && parsed >= 0 ? parsed : undefined;
}
