// Where the outputs of one transcode live, as pure functions of the content and the profile: on
// the shared storage under `.portico/outputs/<checksum>/<fingerprint>/` (content-addressed, so a
// second asset with the same content, or a retried job, finds them), and in the proxy store under
// a key unique to the asset (the catalog keeps one asset and format per object key).
import { type FormatKind } from '@portico/catalog';
import { type JobName } from '@portico/media';

/** Ignored by the scanner (SPEC 2.3 ignore_patterns), so outputs are never ingested as originals. */
export const OUTPUTS_ROOT = '.portico/outputs';

/** Storage-relative folder of the outputs of this content under this profile fingerprint. */
export function outputFolder(checksumValue: string, fingerprint: string): string {
  if (!/^[0-9a-f]{8,128}$/.test(checksumValue))
    throw new RangeError(`checksum "${checksumValue.slice(0, 80)}" is not a lower-case hex digest`);
  if (!/^[0-9a-f]{8,64}$/.test(fingerprint))
    throw new RangeError(`profile fingerprint "${fingerprint.slice(0, 80)}" is not a hex key`);
  return `${OUTPUTS_ROOT}/${checksumValue}/${fingerprint}`;
}

/** The catalog format an output of this ffmpeg job belongs to. */
export function formatKindOf(job: JobName): Exclude<FormatKind, 'ORIGINAL'> {
  switch (job) {
    case 'proxy':
    case 'image-proxy':
    case 'audio-proxy':
      return 'PROXY';
    case 'keyframes':
      return 'KEYFRAMES';
    case 'poster':
      return 'POSTER';
  }
}

/**
 * The proxy store key of one output file: `<checksum>/<fingerprint>/<asset id>/<name in the
 * output folder>` (the store adds its own prefix). Immutable for given content and profile.
 */
export function objectKeyOf(input: {
  checksumValue: string;
  fingerprint: string;
  assetId: string;
  /** Path of the file relative to the output folder, e.g. `proxy.mp4`, `keyframes/keyframe-00001.jpg`. */
  name: string;
}): string {
  return `${input.checksumValue}/${input.fingerprint}/${input.assetId}/${input.name}`;
}
