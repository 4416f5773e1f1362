// The streams a builder works on. The plan only asks a builder for what the media kind has, so a
// missing stream here is a programming error, reported as such.
import type { MediaInfo, MediaStream } from '../probe/media-info';
import { displaySize, type Size } from './dimensions';
import { primaryAudioStream, primaryVideoStream } from './media-kind';

export function requireVideo(info: MediaInfo, what: string): { stream: MediaStream; size: Size } {
  const stream = primaryVideoStream(info);
  const size = stream && displaySize(stream);
  if (!stream || !size)
    throw new Error(
      `cannot build ${what} for ${info.formatName} media without a picture stream of known size`,
    );
  return { stream, size };
}

export function requireAudio(info: MediaInfo, what: string): MediaStream {
  const stream = primaryAudioStream(info);
  if (!stream) throw new Error(`cannot build ${what} for ${info.formatName} media without an audio stream`);
  return stream;
}
