// Which transcode jobs follow a checksum (SPEC 2.5/2.6): media types only, never a zero-byte
// file, and never a duplicate whose content the cluster already has (its outputs are shared).
import { type MediaKind } from '@portico/catalog';

/** Profiles of the `transcode_profiles` setting each media kind gets. */
const PROFILES: Readonly<Record<MediaKind, readonly string[]>> = {
  video: ['proxy', 'keyframes', 'poster'],
  image: ['proxy'],
  audio: ['proxy'],
  other: [],
  unknown: [],
};

export function transcodeProfilesFor(input: {
  kind: MediaKind;
  size: number;
  duplicate: boolean;
}): readonly string[] {
  if (input.size === 0 || input.duplicate) return [];
  return PROFILES[input.kind];
}
