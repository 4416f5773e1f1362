// The cache key of a transcode profile. Two runs with the same content checksum and the same
// fingerprint make the same outputs, so the cluster keeps one copy and never transcodes twice.
// The fingerprint hashes the profile fields a media kind uses AND the exact ffmpeg arguments the
// builders make for a fixed reference input of that kind: a change to a builder (another preset,
// another filter) changes the fingerprint by itself, with nobody remembering to bump a version.
import { createHash } from 'node:crypto';
import type { TranscodeProfiles } from '@portico/settings';
import type { MediaInfo, MediaStream } from '../probe/media-info';
import { audioProxyJob } from './audio-proxy';
import type { FfmpegJob } from './ffmpeg-job';
import { imageProxyJob } from './image-proxy';
import { keyframesJob } from './keyframes';
import type { MediaKind } from './media-kind';
import { posterJob } from './poster';
import { videoProxyJob } from './video-proxy';

/** Bump only for a change of meaning the arguments do not show (e.g. how outputs are named). */
const FINGERPRINT_VERSION = 1;

const STREAM: MediaStream = {
  index: 0,
  type: 'video',
  isDefault: true,
  attachedPicture: false,
  sampleAspectRatio: 1,
  rotation: 0,
};

const REFERENCE_VIDEO: MediaInfo = {
  formatName: 'mov,mp4,m4a,3gp,3g2,mj2',
  durationSeconds: 60,
  startSeconds: 0,
  streams: [
    { ...STREAM, codec: 'h264', width: 1920, height: 1080, fps: 25, fieldOrder: 'progressive' },
    { ...STREAM, index: 1, type: 'audio', codec: 'aac', sampleRate: 48_000, channels: 2 },
  ],
};

const REFERENCE_AUDIO: MediaInfo = {
  formatName: 'wav',
  durationSeconds: 60,
  startSeconds: 0,
  streams: [{ ...STREAM, type: 'audio', codec: 'pcm_s16le', sampleRate: 48_000, channels: 2 }],
};

const REFERENCE_IMAGE: MediaInfo = {
  formatName: 'image2',
  startSeconds: 0,
  streams: [{ ...STREAM, codec: 'mjpeg', width: 6000, height: 4000 }],
};

/** The profile fields and reference arguments of one kind: what its outputs depend on. */
function material(kind: MediaKind, profiles: TranscodeProfiles): { profile: unknown; jobs: FfmpegJob[] } {
  const { proxy } = profiles;
  switch (kind) {
    case 'video':
      return {
        profile: profiles,
        jobs: [
          videoProxyJob(REFERENCE_VIDEO, proxy),
          keyframesJob(REFERENCE_VIDEO, profiles.keyframes),
          posterJob(REFERENCE_VIDEO, profiles.poster),
        ],
      };
    case 'audio':
      return {
        profile: { audioCodec: proxy.audioCodec, audioBitrateKbps: proxy.audioBitrateKbps },
        jobs: [audioProxyJob(REFERENCE_AUDIO, proxy)],
      };
    case 'image':
      return {
        profile: { width: proxy.width, height: proxy.height },
        jobs: [imageProxyJob(REFERENCE_IMAGE, proxy)],
      };
    case 'other':
      return { profile: {}, jobs: [] };
  }
}

/** A 32-hex-digit (128-bit) key, stable across processes, nodes and key order of the settings JSON. */
export function profileFingerprint(kind: MediaKind, profiles: TranscodeProfiles): string {
  const canonical = canonicalJson({ version: FINGERPRINT_VERSION, kind, ...material(kind, profiles) });
  return createHash('sha256').update(canonical).digest('hex').slice(0, 32);
}

/** JSON with object keys sorted at every level, so equal values always hash the same. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, entry]) => entry !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, entry]) => `${JSON.stringify(key)}:${canonicalJson(entry)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
