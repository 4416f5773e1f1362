// ffprobe's JSON (`-print_format json -show_format -show_streams -show_error`) → MediaInfo.
// ffprobe prints numbers of the format section and some stream fields as strings ("10.000000"),
// rates as fractions ("25/1", "0/0" when unknown) and "N/A" for missing values; all of that is
// normalized here so that nothing downstream parses ffprobe's conventions again.
import type { MediaInfo, MediaStream, StreamType } from './media-info';

/** ffprobe's answer: the media description, or the error it reported with `-show_error`. */
export type ProbeOutput =
  { readonly ok: true; readonly info: MediaInfo } | { readonly ok: false; readonly error: ProbeErrorSection };

/** `{"error": {"code": -1094995529, "string": "Invalid data found when processing input"}}` */
export interface ProbeErrorSection {
  /** An AVERROR: a negative errno, or a negative four-character tag (see ffmpeg-errors.ts). */
  readonly code: number;
  readonly text: string;
}

type Json = Record<string, unknown>;

/**
 * Parses ffprobe's standard output. Throws when it is not ffprobe JSON at all (a broken or
 * mismatched ffprobe binary): the caller reports that as a tool failure, not as bad input.
 */
export function parseProbeOutput(stdout: string): ProbeOutput {
  let root: unknown;
  try {
    root = JSON.parse(stdout) as unknown;
  } catch {
    throw new Error(`ffprobe printed output that is not JSON (${describeText(stdout)})`);
  }
  if (!isObject(root))
    throw new Error(`ffprobe printed JSON that is not an object (${describeText(stdout)})`);
  if (isObject(root.error)) {
    return {
      ok: false,
      error: { code: integer(root.error.code) ?? 0, text: text(root.error.string) ?? 'unknown error' },
    };
  }
  const format = root.format;
  if (!isObject(format)) throw new Error('ffprobe printed JSON without a "format" section');
  const streams = Array.isArray(root.streams) ? root.streams.filter(isObject).map(parseStream) : [];
  return {
    ok: true,
    info: {
      formatName: text(format.format_name) ?? 'unknown',
      formatLongName: text(format.format_long_name),
      durationSeconds: positive(number(format.duration)),
      startSeconds: number(format.start_time) ?? 0,
      bitRate: positive(number(format.bit_rate)),
      sizeBytes: number(format.size),
      streams,
    },
  };
}

function parseStream(stream: Json, position: number): MediaStream {
  const disposition = isObject(stream.disposition) ? stream.disposition : {};
  const tags = isObject(stream.tags) ? stream.tags : {};
  return {
    index: integer(stream.index) ?? position,
    type: streamType(stream.codec_type),
    codec: text(stream.codec_name),
    profile: text(stream.profile),
    bitRate: positive(number(stream.bit_rate)),
    durationSeconds: positive(number(stream.duration)),
    frames: integer(stream.nb_frames),
    language: language(tags.language),
    isDefault: disposition.default === 1,
    attachedPicture: disposition.attached_pic === 1,
    width: positive(integer(stream.width)),
    height: positive(integer(stream.height)),
    fps: ratio(stream.avg_frame_rate, '/') ?? ratio(stream.r_frame_rate, '/'),
    pixelFormat: text(stream.pix_fmt),
    sampleAspectRatio: ratio(stream.sample_aspect_ratio, ':') ?? 1,
    rotation: rotationOf(stream, tags),
    fieldOrder: text(stream.field_order),
    sampleRate: positive(integer(stream.sample_rate)),
    channels: positive(integer(stream.channels)),
    channelLayout: text(stream.channel_layout),
  };
}

const STREAM_TYPES: readonly StreamType[] = ['video', 'audio', 'subtitle', 'data', 'attachment'];

function streamType(value: unknown): StreamType {
  return STREAM_TYPES.find((type) => type === value) ?? 'unknown';
}

/** The display matrix (side data) wins over the legacy `rotate` tag of older files and tools. */
function rotationOf(stream: Json, tags: Json): number {
  const sideData = Array.isArray(stream.side_data_list) ? stream.side_data_list.filter(isObject) : [];
  const degrees =
    sideData.map((entry) => number(entry.rotation)).find((value) => value !== undefined) ??
    number(tags.rotate);
  if (degrees === undefined) return 0;
  return (((Math.round(degrees / 90) * 90) % 360) + 360) % 360;
}

function language(value: unknown): string | undefined {
  const code = text(value);
  return code === 'und' ? undefined : code;
}

/** "25/1" → 25, "30000/1001" → 29.97…, "16:15" → 1.066…; "0/0", "0:1" and "N/A" → undefined. */
function ratio(value: unknown, separator: '/' | ':'): number | undefined {
  const raw = text(value);
  if (!raw) return undefined;
  const [numerator, denominator, extra] = raw.split(separator).map(Number);
  if (extra !== undefined || numerator === undefined || denominator === undefined) return undefined;
  if (!(numerator > 0 && denominator > 0)) return undefined;
  const result = numerator / denominator;
  return Number.isFinite(result) ? result : undefined;
}

function number(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const parsed = Number(value);
  return Number.isFinite(parsed) ? parsed : undefined;
}

function integer(value: unknown): number | undefined {
  const parsed = number(value);
  return parsed !== undefined && Number.isInteger(parsed) ? parsed : undefined;
}

function positive(value: number | undefined): number | undefined {
  return value !== undefined && value > 0 ? value : undefined;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' && value !== 'N/A' ? value : undefined;
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describeText(output: string): string {
  if (output.trim() === '') return 'nothing';
  const start = output.slice(0, 80).replace(/\s+/g, ' ');
  return `${output.length} characters starting "${start}"`;
}
