// The MediaTool of a node: the system's ffprobe and, through fluent-ffmpeg, ffmpeg.
import ffmpeg from 'fluent-ffmpeg';
import type { FfmpegJob } from '../commands/ffmpeg-job';
import { MediaTool, type ProbeOptions, type RunOptions, type RunResult } from '../media-tool';
import type { MediaInfo } from '../probe/media-info';
import { type MediaLimits, mediaLimits } from '../run/limits';
import { runFfmpegJob } from './ffmpeg-runner.adapter';
import { probeFile } from './ffprobe.adapter';

export interface FfmpegMediaToolOptions {
  /** Default `ffmpeg`, found on PATH. fluent-ffmpeg keeps one ffmpeg path per process. */
  readonly ffmpegPath?: string;
  /** Default `ffprobe`, found on PATH. */
  readonly ffprobePath?: string;
  /** Overrides of DEFAULT_MEDIA_LIMITS for every call (each call may override again). */
  readonly limits?: Partial<MediaLimits>;
}

export class FfmpegMediaTool extends MediaTool {
  private readonly ffmpegPath: string;
  private readonly ffprobePath: string;
  private readonly limits: Partial<MediaLimits>;

  constructor(options: FfmpegMediaToolOptions = {}) {
    super();
    this.ffmpegPath = options.ffmpegPath ?? 'ffmpeg';
    this.ffprobePath = options.ffprobePath ?? 'ffprobe';
    this.limits = options.limits ?? {};
    mediaLimits(this.limits);
    // A bare name is resolved by spawn() on PATH; this spares fluent-ffmpeg its `which` lookup.
    ffmpeg.setFfmpegPath(this.ffmpegPath);
  }

  override probe(file: string, options: ProbeOptions = {}): Promise<MediaInfo> {
    return probeFile(file, {
      ffprobePath: this.ffprobePath,
      limits: mediaLimits({ ...this.limits, ...options.limits }),
      signal: options.signal,
      onStart: options.onStart,
    });
  }

  override run(job: FfmpegJob, input: string, output: string, options: RunOptions = {}): Promise<RunResult> {
    return runFfmpegJob(job, input, output, {
      ffmpegPath: this.ffmpegPath,
      limits: mediaLimits({ ...this.limits, ...options.limits }),
      signal: options.signal,
      onStart: options.onStart,
      onProgress: options.onProgress,
    });
  }
}
