// The port the transcode role depends on: probe a file, run one planned ffmpeg job. The adapter
// (FfmpegMediaTool) runs the system's ffprobe and, through fluent-ffmpeg, ffmpeg.
import type { FfmpegJob } from './commands/ffmpeg-job';
import type { MediaInfo } from './probe/media-info';
import type { MediaLimits } from './run/limits';
import type { MediaProgress } from './run/progress';

export interface ProcessStarted {
  /** The tool's pid, which is also its process group id. */
  readonly pid: number;
  /** Its exact argument list (outputs appear under their temp names). */
  readonly args: readonly string[];
}

export interface ProbeOptions {
  /** Aborting kills the probe (its process group) and rejects with MediaAbortedError. */
  readonly signal?: AbortSignal;
  /** Overrides of the tool's limits for this call. */
  readonly limits?: Partial<MediaLimits>;
  /** Called once when the process exists. Must not throw (an exception is ignored). */
  readonly onStart?: (started: ProcessStarted) => void;
}

export interface RunOptions extends ProbeOptions {
  /** Called for each progress report (about twice a second). Must not throw (an exception is ignored). */
  readonly onProgress?: (progress: MediaProgress) => void;
}

export interface RunResult {
  /** The files now in place: the output file, or the numbered files of a sequence in order. */
  readonly outputs: readonly string[];
  /** ffmpeg's exact arguments (the output as its temp name). */
  readonly args: readonly string[];
  readonly pid: number;
  readonly elapsedMs: number;
}

/**
 * Errors: MediaInputError (permanent: corrupt, truncated, empty or unsupported input, with
 * ffmpeg's own reason), MediaTimeoutError (wall-clock limit or stall: the process group was
 * killed), MediaAbortedError (the signal), MediaProcessError (anything that may pass on retry).
 * On any error no output is left behind: not the final one, not a temp file.
 */
export abstract class MediaTool {
  /** Reads the container and streams of `file` with ffprobe. */
  abstract probe(file: string, options?: ProbeOptions): Promise<MediaInfo>;

  /**
   * Runs `job` on `input`. `output` is the final path: the file for a file output, the folder of
   * the numbered files for a sequence (keyframes). Writes under a temp name beside it and renames
   * into place on success, replacing an older output.
   */
  abstract run(job: FfmpegJob, input: string, output: string, options?: RunOptions): Promise<RunResult>;
}
