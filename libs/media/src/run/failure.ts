// Why ffmpeg or ffprobe failed, in their own words, and whether retrying could change it.
// Both tools run with `-loglevel error`, so stderr holds only errors; the last few distinct lines
// are the reason. Whether a failure is the file's fault (permanent) or the environment's
// (retried) is decided from ffprobe's error code, or from well-known ffmpeg messages.

/** At most this many lines of the tool's stderr make the reason. */
const REASON_LINES = 4;
const REASON_MAX_CHARS = 600;

/**
 * The last distinct, non-empty stderr lines, without the per-run pointer in component prefixes
 * (`[mov,mp4,m4a,3gp,3g2,mj2 @ 0x55d0c4] moov atom not found` → `[mov,mp4,m4a,3gp,3g2,mj2] …`).
 */
export function meaningfulLines(stderr: string): string[] {
  const lines: string[] = [];
  for (const raw of stderr.split(/\r\n|\r|\n/)) {
    const line = raw.replace(/ @ 0x[0-9a-f]+\]/gi, ']').trim();
    if (
      line === '' ||
      /^Last message repeated \d+ times?$/i.test(line) ||
      /^Conversion failed!?$/i.test(line)
    )
      continue;
    const seen = lines.indexOf(line);
    if (seen >= 0) lines.splice(seen, 1);
    lines.push(line);
  }
  return lines.slice(-REASON_LINES);
}

/** The reason as one line for an error message; undefined when the tool said nothing. */
export function failureReason(stderr: string): string | undefined {
  const reason = meaningfulLines(stderr).join(' / ');
  if (reason === '') return undefined;
  return reason.length > REASON_MAX_CHARS ? `…${reason.slice(-REASON_MAX_CHARS)}` : reason;
}

/** Failures of the environment, not of the file: checked first, they make a failure retryable. */
const ENVIRONMENT = [
  /No such file or directory/i,
  /Permission denied/i,
  /Operation not permitted/i,
  /Input\/output error/i,
  /Stale (NFS )?file handle/i,
  /No space left on device/i,
  /Disk quota exceeded/i,
  /Cannot allocate memory/i,
  /Resource temporarily unavailable/i,
  /Connection (reset|refused|timed out)/i,
  /Too many open files/i,
  /Read-only file system/i,
  // This node's ffmpeg lacks an encoder (built without libx264): another node may have it.
  /Unknown encoder/i,
  /Encoder not found/i,
];

/** Messages that mean the input itself is unusable: the same file fails the same way everywhere. */
const BAD_INPUT = [
  /Invalid data found when processing input/i,
  /moov atom not found/i,
  /could not find codec parameters/i,
  /Decoder \(codec [^)]*\) not found/i,
  /Decoding requested, but no decoder found/i,
  /no decoder found/i,
  /Unsupported codec/i,
  /does not contain any stream/i,
  /Stream map '.*' matches no streams/i,
  /Is a directory/i,
  /: End of file$/i,
  /Error opening input files?: End of file/i,
  /Output file is empty, nothing was encoded/i,
];

/** Whether ffmpeg's stderr says the input is unusable (permanent) rather than the environment failing. */
export function isBadInput(stderr: string): boolean {
  const lines = meaningfulLines(stderr);
  if (lines.some((line) => ENVIRONMENT.some((pattern) => pattern.test(line)))) return false;
  return lines.some((line) => BAD_INPUT.some((pattern) => pattern.test(line)));
}

/** FFERRTAG of libavutil/error.h: a negative four-character code. */
function tag(a: number | string, b: string, c: string, d: string): number {
  const code = (x: number | string): number => (typeof x === 'number' ? x : x.charCodeAt(0));
  return -((code(a) | (code(b) << 8) | (code(c) << 16) | (code(d) << 24)) >>> 0);
}

/** AVERROR codes (ffprobe `-show_error`) that mean the input is unusable. */
export const BAD_INPUT_CODES: ReadonlyMap<number, string> = new Map([
  [tag('I', 'N', 'D', 'A'), 'AVERROR_INVALIDDATA'],
  [tag('E', 'O', 'F', ' '), 'AVERROR_EOF'],
  [tag(0xf8, 'D', 'E', 'C'), 'AVERROR_DECODER_NOT_FOUND'],
  [tag(0xf8, 'D', 'E', 'M'), 'AVERROR_DEMUXER_NOT_FOUND'],
  [tag(0xf8, 'S', 'T', 'R'), 'AVERROR_STREAM_NOT_FOUND'],
  [tag('P', 'A', 'W', 'E'), 'AVERROR_PATCHWELCOME'],
  // EISDIR is 21 on Linux and macOS alike.
  [-21, 'EISDIR'],
]);

/** Whether an ffprobe error code means the input is unusable (anything else may pass: I/O, permissions). */
export function isBadInputCode(code: number): boolean {
  return BAD_INPUT_CODES.has(code);
}
