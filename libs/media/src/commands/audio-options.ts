// The audio part of the video proxy and the audio proxy: AAC at the profile's bitrate, at most
// stereo (a browse proxy needs no surround), at most 48 kHz (ffmpeg's AAC encoder rejects 192 kHz).
import type { MediaStream } from '../probe/media-info';
import type { ProxyProfile } from './ffmpeg-job';

const MAX_SAMPLE_RATE = 48_000;

export function audioCodecOptions(profile: ProxyProfile, stream: MediaStream): string[] {
  const codec = audioEncoder(profile.audioCodec);
  const channels = Math.min(stream.channels ?? 2, 2);
  return [
    '-c:a',
    codec,
    '-b:a',
    `${profile.audioBitrateKbps}k`,
    '-ac',
    String(channels),
    ...(stream.sampleRate !== undefined && stream.sampleRate > MAX_SAMPLE_RATE
      ? ['-ar', String(MAX_SAMPLE_RATE)]
      : []),
  ];
}

function audioEncoder(codec: ProxyProfile['audioCodec']): string {
  switch (codec) {
    case 'aac':
      return 'aac';
  }
}
