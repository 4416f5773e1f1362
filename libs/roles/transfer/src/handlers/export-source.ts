// Which catalog file an export copies: the original on the storage, or the stored output of a
// transcode profile in the proxy store (the profile names its format: proxy → PROXY).
import { type AssetDetail, type CatalogFile, FORMAT_KINDS, type FormatKind } from '@portico/catalog';
import { type Checksum, parseChecksum } from '@portico/object-store';

export function formatOfProfile(profile: string): FormatKind | undefined {
  const kind = profile.toUpperCase();
  return (FORMAT_KINDS as readonly string[]).includes(kind) && kind !== 'ORIGINAL'
    ? (kind as FormatKind)
    : undefined;
}

/** The asset's stored, live copy of `kind` in an object store, newest first. */
export function storedOutput(detail: AssetDetail, kind: FormatKind): CatalogFile | undefined {
  return detail.formats
    .filter((format) => format.kind === kind)
    .flatMap((format) => format.files)
    .filter((file) => file.location === 'object_store' && file.status === 'stored' && !file.removed)
    .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime())[0];
}

/** A catalogued checksum usable for verification (md5 preferred: S3 ETags can prove it). */
export function catalogChecksum(file: CatalogFile | undefined): Checksum | undefined {
  if (!file) return undefined;
  const entries = Object.entries(file.checksums).sort(([a], [b]) => (a === 'md5' ? -1 : b === 'md5' ? 1 : 0));
  for (const [algorithm, value] of entries) {
    const checksum = parseChecksum(`${algorithm}:${value}`);
    if (checksum) return checksum;
  }
  return undefined;
}
