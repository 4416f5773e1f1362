// The proxy of an audio-only file: AAC in an .m4a (the `ipod` muxer, which ffmpeg picks for
// .m4a), cover art left out.
import type { MediaInfo } from '../probe/media-info';
import { audioCodecOptions } from './audio-options';
import { GLOBAL_OPTIONS, type FfmpegJob, type ProxyProfile } from './ffmpeg-job';
import { requireAudio } from './required-streams';

export function audioProxyJob(info: MediaInfo, profile: ProxyProfile): FfmpegJob {
  const audio = requireAudio(info, 'an audio proxy');
  return {
    name: 'audio-proxy',
    inputOptions: [...GLOBAL_OPTIONS],
    outputOptions: [
      '-map',
      `0:${audio.index}`,
      ...audioCodecOptions(profile, audio),
      '-movflags',
      '+faststart',
      '-f',
      'ipod',
    ],
    output: { type: 'file', name: 'proxy.m4a' },
    mediaSeconds: audio.durationSeconds ?? info.durationSeconds,
  };
}
