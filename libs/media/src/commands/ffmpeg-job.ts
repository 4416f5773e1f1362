// One ffmpeg run, as data: built by the pure builders, executed by the MediaTool adapter. The
// output paths are not part of it: the caller chooses where outputs go, the runner writes them
// under temp names beside that place and renames them on success.
import type { TranscodeProfiles } from '@portico/settings';

export type ProxyProfile = TranscodeProfiles['proxy'];
export type KeyframesProfile = TranscodeProfiles['keyframes'];
export type PosterProfile = TranscodeProfiles['poster'];

export type JobName = 'proxy' | 'keyframes' | 'poster' | 'image-proxy' | 'audio-proxy';

export type JobOutput =
  /** One file; `name` is the conventional file name (`proxy.mp4`, `poster.jpg`). */
  | { readonly type: 'file'; readonly name: string }
  /** Numbered files in a folder of their own; `name` is the folder's conventional name. */
  | { readonly type: 'sequence'; readonly name: string; readonly pattern: string };

export interface FfmpegJob {
  readonly name: JobName;
  /** Before `-i`: the global options, then options of the input (seek, decoder). */
  readonly inputOptions: readonly string[];
  /** After `-i`, before the output path: maps, filters, codecs, muxer. */
  readonly outputOptions: readonly string[];
  readonly output: JobOutput;
  /** Media seconds ffmpeg goes through: for the progress percentage and the wall-clock limit. */
  readonly mediaSeconds?: number;
}

/**
 * Every run: errors only on stderr (they become the failure reason), machine-readable progress
 * on stdout (for the progress callback and the stall watchdog), never a read of stdin.
 */
export const GLOBAL_OPTIONS: readonly string[] = Object.freeze([
  '-hide_banner',
  '-nostdin',
  '-nostats',
  '-loglevel',
  'error',
  '-progress',
  'pipe:1',
]);

/**
 * The argument list of a job as fluent-ffmpeg assembles it (input options, `-i`, `-y` for a file
 * output, output options, target). For logs, tests and the benchmark's bare run.
 */
export function ffmpegArguments(job: FfmpegJob, input: string, target: string): string[] {
  return [...job.inputOptions, '-i', input, '-y', ...job.outputOptions, target];
}

/** A number for an ffmpeg option or expression: fixed-point, at most 6 decimals, no exponent. */
export function decimal(value: number): string {
  const fixed = value.toFixed(6).replace(/\.?0+$/, '');
  return fixed === '-0' ? '0' : fixed;
}
