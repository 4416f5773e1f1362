// What a file is, for the transcode role: a video gets a proxy, keyframes and a poster; an audio
// file an audio proxy; an image an image proxy; anything else (subtitles, data) nothing.
import type { MediaInfo, MediaStream } from '../probe/media-info';

export type MediaKind = 'video' | 'audio' | 'image' | 'other';

export const MEDIA_KINDS: readonly MediaKind[] = ['video', 'audio', 'image', 'other'];

/** Demuxers of single pictures: `image2` (jpg, tif, dpx…) and the `*_pipe` family (png_pipe, webp_pipe…). */
function isStillImageFormat(formatName: string): boolean {
  return formatName.split(',').some((name) => name === 'image2' || name.endsWith('_pipe'));
}

/** The picture track: the first video stream that is not cover art, the default one if flagged. */
export function primaryVideoStream(info: MediaInfo): MediaStream | undefined {
  const candidates = info.streams.filter(
    (stream) => stream.type === 'video' && !stream.attachedPicture && stream.width && stream.height,
  );
  return candidates.find((stream) => stream.isDefault) ?? candidates[0];
}

export function primaryAudioStream(info: MediaInfo): MediaStream | undefined {
  const candidates = info.streams.filter((stream) => stream.type === 'audio');
  return candidates.find((stream) => stream.isDefault) ?? candidates[0];
}

export function mediaKind(info: MediaInfo): MediaKind {
  const video = primaryVideoStream(info);
  const audio = primaryAudioStream(info);
  if (video) {
    const singlePicture = isStillImageFormat(info.formatName) || video.frames === 1;
    return singlePicture && !audio ? 'image' : 'video';
  }
  return audio ? 'audio' : 'other';
}
