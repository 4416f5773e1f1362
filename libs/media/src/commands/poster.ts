// The poster of a video: one frame at offsetPercent of its duration, at the profile's width.
import type { MediaInfo } from '../probe/media-info';
import { fitInside } from './dimensions';
import { GLOBAL_OPTIONS, decimal, type FfmpegJob, type PosterProfile } from './ffmpeg-job';
import { JPEG_OPTIONS, pictureFilters } from './picture';
import { requireVideo } from './required-streams';

export function posterJob(info: MediaInfo, profile: PosterProfile): FfmpegJob {
  const { stream: video, size: source } = requireVideo(info, 'a poster');
  const size = fitInside(source, { width: profile.width });
  const seek = posterSeekSeconds(info.durationSeconds, profile.offsetPercent);
  return {
    name: 'poster',
    // -ss before -i seeks the input (fast, to the keyframe before, then decodes up to the time).
    inputOptions: [...GLOBAL_OPTIONS, ...(seek > 0 ? ['-ss', decimal(seek)] : [])],
    outputOptions: [
      '-map',
      `0:${video.index}`,
      '-frames:v',
      '1',
      '-vf',
      pictureFilters(video, size, { deinterlace: true }),
      ...JPEG_OPTIONS,
      '-q:v',
      '2',
      // One picture under a fixed name, no sequence pattern.
      '-update',
      '1',
      '-f',
      'image2',
    ],
    output: { type: 'file', name: 'poster.jpg' },
  };
}

/**
 * Where the poster is taken, seconds from the start. Kept clear of the very end (up to 1 s, half
 * of a short clip): a seek to the end finds no frame, and ffmpeg would write nothing.
 */
export function posterSeekSeconds(durationSeconds: number | undefined, offsetPercent: number): number {
  if (durationSeconds === undefined || durationSeconds <= 0) return 0;
  const latest = Math.max(0, durationSeconds - Math.min(1, durationSeconds / 2));
  return Math.max(0, Math.min((durationSeconds * offsetPercent) / 100, latest));
}
