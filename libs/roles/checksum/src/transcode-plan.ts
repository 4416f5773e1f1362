// Which transcode jobs follow a checksum (SPEC 2.5/2.6): media types only, never a zero-byte
// file, and never a duplicate whose content the cluster already has (its outputs are shared).
import { type MediaKind, type OutputFormatKind } from '@portico/catalog';

/** The catalog format of each profile's outputs (the transcode role files them the same way). */
const OUTPUT_FORMATS = {
  proxy: 'PROXY',
  keyframes: 'KEYFRAMES',
  poster: 'POSTER',
} as const satisfies Record<string, OutputFormatKind>;
type Profile = keyof typeof OUTPUT_FORMATS;

/** Profiles of the `transcode_profiles` setting each media kind gets. */
const PROFILES: Readonly<Record<MediaKind, readonly Profile[]>> = {
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
}): readonly Profile[] {
  if (input.size === 0 || input.duplicate) return [];
  return PROFILES[input.kind];
}

/** Kinds that are never transcoded: checksummed, such an asset is complete (ready). */
export const KINDS_WITH_NOTHING_TO_MAKE: readonly MediaKind[] = (Object.keys(PROFILES) as MediaKind[]).filter(
  (kind) => PROFILES[kind].length === 0,
);

/** The outputs the asset will have once these profiles are transcoded (planned with the jobs). */
export function outputFormatsOf(profiles: readonly Profile[]): OutputFormatKind[] {
  return profiles.map((profile) => OUTPUT_FORMATS[profile]);
}
