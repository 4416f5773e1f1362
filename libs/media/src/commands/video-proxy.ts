// The browse proxy of a video: H.264 + AAC in an MP4 that starts playing before it is fully
// downloaded (+faststart), fitted inside the profile's box without upscaling.
import type { MediaInfo } from '../probe/media-info';
import { audioCodecOptions } from './audio-options';
import { fitInside } from './dimensions';
import { GLOBAL_OPTIONS, type FfmpegJob, type ProxyProfile } from './ffmpeg-job';
import { primaryAudioStream } from './media-kind';
import { pictureFilters } from './picture';
import { requireVideo } from './required-streams';

/** Speed over size: a browse proxy is made for every file that lands on the storage. */
export const X264_PRESET = 'veryfast';
/** A keyframe at least every 2 s of the proxy, so that scrubbing in a browser lands quickly. */
const KEYFRAME_EVERY_SECONDS = 2;

export function videoProxyJob(info: MediaInfo, profile: ProxyProfile): FfmpegJob {
  const { stream: video, size: source } = requireVideo(info, 'a video proxy');
  const audio = primaryAudioStream(info);
  const size = fitInside(source, profile);
  return {
    name: 'proxy',
    inputOptions: [...GLOBAL_OPTIONS],
    outputOptions: [
      '-map',
      `0:${video.index}`,
      ...(audio ? ['-map', `0:${audio.index}`] : []),
      '-vf',
      pictureFilters(video, size, { deinterlace: true }),
      ...videoCodecOptions(profile),
      ...(audio ? audioCodecOptions(profile, audio) : []),
      '-movflags',
      '+faststart',
      '-f',
      'mp4',
    ],
    output: { type: 'file', name: 'proxy.mp4' },
    mediaSeconds: info.durationSeconds,
  };
}

function videoCodecOptions(profile: ProxyProfile): string[] {
  switch (profile.videoCodec) {
    case 'h264': {
      const kbps = profile.videoBitrateKbps;
      return [
        '-c:v',
        'libx264',
        '-preset',
        X264_PRESET,
        '-pix_fmt',
        'yuv420p',
        '-b:v',
        `${kbps}k`,
        '-maxrate',
        `${kbps}k`,
        '-bufsize',
        `${kbps * 2}k`,
        '-force_key_frames',
        `expr:gte(t,n_forced*${KEYFRAME_EVERY_SECONDS})`,
      ];
    }
  }
}
