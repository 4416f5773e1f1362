// What to make of a probed file under the current profiles: the ffmpeg jobs for its kind, and
// the fingerprint that, with the file's checksum, keys the outputs in the cluster's cache.
import type { TranscodeProfiles } from '@portico/settings';
import type { MediaInfo } from '../probe/media-info';
import { audioProxyJob } from './audio-proxy';
import type { FfmpegJob } from './ffmpeg-job';
import { profileFingerprint } from './fingerprint';
import { imageProxyJob } from './image-proxy';
import { keyframesJob } from './keyframes';
import { mediaKind, type MediaKind } from './media-kind';
import { posterJob } from './poster';
import { videoProxyJob } from './video-proxy';

export interface TranscodePlan {
  readonly kind: MediaKind;
  /** Same content checksum + same fingerprint = same outputs: never transcode it twice. */
  readonly fingerprint: string;
  /** In order of use: the proxy first. Empty for `other`. */
  readonly jobs: readonly FfmpegJob[];
}

export function planTranscode(info: MediaInfo, profiles: TranscodeProfiles): TranscodePlan {
  const kind = mediaKind(info);
  return { kind, fingerprint: profileFingerprint(kind, profiles), jobs: jobsFor(kind, info, profiles) };
}

export function jobsFor(kind: MediaKind, info: MediaInfo, profiles: TranscodeProfiles): FfmpegJob[] {
  switch (kind) {
    case 'video':
      return [
        videoProxyJob(info, profiles.proxy),
        keyframesJob(info, profiles.keyframes),
        posterJob(info, profiles.poster),
      ];
    case 'audio':
      return [audioProxyJob(info, profiles.proxy)];
    case 'image':
      return [imageProxyJob(info, profiles.proxy)];
    case 'other':
      return [];
  }
}
