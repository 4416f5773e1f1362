// The proxy of a still image: a JPEG fitted inside the proxy profile's box, never upscaled.
import type { MediaInfo } from '../probe/media-info';
import { fitInside } from './dimensions';
import { GLOBAL_OPTIONS, type FfmpegJob, type ProxyProfile } from './ffmpeg-job';
import { JPEG_OPTIONS, pictureFilters } from './picture';
import { requireVideo } from './required-streams';

export function imageProxyJob(info: MediaInfo, profile: ProxyProfile): FfmpegJob {
  const { stream: picture, size: source } = requireVideo(info, 'an image proxy');
  const size = fitInside(source, profile);
  return {
    name: 'image-proxy',
    inputOptions: [...GLOBAL_OPTIONS],
    outputOptions: [
      '-map',
      `0:${picture.index}`,
      '-frames:v',
      '1',
      '-vf',
      pictureFilters(picture, size, { deinterlace: false }),
      ...JPEG_OPTIONS,
      '-q:v',
      '2',
      '-update',
      '1',
      '-f',
      'image2',
    ],
    output: { type: 'file', name: 'proxy.jpg' },
  };
}
