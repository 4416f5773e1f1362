// @portico/media: ffprobe/ffmpeg behind the MediaTool port, and the pure command builders of the
// transcode profiles (SPEC 2.6, TRANSCODE).
export type { MediaInfo, MediaStream, StreamType } from './probe/media-info';
export { parseProbeOutput, type ProbeOutput, type ProbeErrorSection } from './probe/probe-parser';

export {
  MEDIA_KINDS,
  mediaKind,
  primaryAudioStream,
  primaryVideoStream,
  type MediaKind,
} from './commands/media-kind';
export { displaySize, fitInside, type Size } from './commands/dimensions';
export {
  GLOBAL_OPTIONS,
  ffmpegArguments,
  type FfmpegJob,
  type JobName,
  type JobOutput,
  type KeyframesProfile,
  type PosterProfile,
  type ProxyProfile,
} from './commands/ffmpeg-job';
export { videoProxyJob, X264_PRESET } from './commands/video-proxy';
export { keyframesJob, KEYFRAME_PATTERN } from './commands/keyframes';
export { posterJob, posterSeekSeconds } from './commands/poster';
export { imageProxyJob } from './commands/image-proxy';
export { audioProxyJob } from './commands/audio-proxy';
export { planTranscode, jobsFor, type TranscodePlan } from './commands/plan';
export { profileFingerprint } from './commands/fingerprint';

export {
  MediaAbortedError,
  MediaError,
  MediaInputError,
  MediaProcessError,
  MediaTimeoutError,
  type MediaToolName,
  type TimeoutKind,
} from './run/errors';
export { DEFAULT_MEDIA_LIMITS, mediaLimits, wallClockLimitMs, type MediaLimits } from './run/limits';
export type { MediaProgress } from './run/progress';

export {
  MediaTool,
  type ProbeOptions,
  type ProcessStarted,
  type RunOptions,
  type RunResult,
} from './media-tool';
export { FfmpegMediaTool, type FfmpegMediaToolOptions } from './tool/ffmpeg-media-tool.adapter';
export { TEMP_MARKER } from './tool/staged-output.adapter';
