// Keyframes of a video for a browse timeline: one picture per interval, scaled to the profile's
// width. `-skip_frame nokey` makes the decoder drop every frame that is not a keyframe before
// decoding it (measured ~15x faster than an fps filter, which decodes every frame), so the
// pictures are keyframes: the first keyframe of each interval, counted from the media's start.
import type { MediaInfo } from '../probe/media-info';
import { fitInside } from './dimensions';
import { GLOBAL_OPTIONS, decimal, type FfmpegJob, type KeyframesProfile } from './ffmpeg-job';
import { JPEG_OPTIONS, pictureFilters } from './picture';
import { requireVideo } from './required-streams';

export const KEYFRAME_PATTERN = 'keyframe-%05d.jpg';

export function keyframesJob(info: MediaInfo, profile: KeyframesProfile): FfmpegJob {
  const { stream: video, size: source } = requireVideo(info, 'keyframes');
  const size = fitInside(source, { width: profile.width });
  const interval = profile.intervalSeconds;
  const bucket = (time: string): string => `floor(${sinceStart(time, info.startSeconds)}/${interval})`;
  // The first frame, then any frame in a later interval than the last one taken.
  const select = `select='isnan(prev_selected_t)+gte(${bucket('t')},${bucket('prev_selected_t')}+1)'`;
  return {
    name: 'keyframes',
    inputOptions: [...GLOBAL_OPTIONS, '-skip_frame', 'nokey'],
    outputOptions: [
      '-map',
      `0:${video.index}`,
      '-vf',
      `${select},${pictureFilters(video, size, { deinterlace: false })}`,
      // One file per selected frame: without it the image2 muxer repeats frames to a constant rate.
      '-fps_mode',
      'passthrough',
      ...JPEG_OPTIONS,
      '-q:v',
      '3',
      '-f',
      'image2',
    ],
    output: { type: 'sequence', name: 'keyframes', pattern: KEYFRAME_PATTERN },
    mediaSeconds: info.durationSeconds,
  };
}

/** `t` counts from the container's clock, which starts at start_time (1.4 s in many MPEG-TS files). */
function sinceStart(variable: string, startSeconds: number): string {
  if (startSeconds === 0) return variable;
  return startSeconds > 0
    ? `(${variable}-${decimal(startSeconds)})`
    : `(${variable}+${decimal(-startSeconds)})`;
}
