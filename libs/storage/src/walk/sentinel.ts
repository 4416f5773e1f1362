// The storage sentinel: `<mount point>/.portico/storage-id` holds the id of the storage. The
// scanner removes files from the catalogue only while it can read it, with the expected id: an
// unmounted share (an empty mount point) or another share mounted in its place must never look
// like "every file was deleted".

export const SENTINEL_FOLDER = '.portico';
export const SENTINEL_FILE = 'storage-id';
export const SENTINEL_PATH = `${SENTINEL_FOLDER}/${SENTINEL_FILE}`;

export type SentinelReading =
  | { readonly state: 'present'; readonly storageId: string }
  | { readonly state: 'missing' }
  /** The file exists but does not hold a storage id. */
  | { readonly state: 'invalid'; readonly message: string }
  /** The file could not be read (I/O error, permissions): the mount is not trustworthy. */
  | { readonly state: 'unreadable'; readonly message: string };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The content of a sentinel file: one UUID, surrounding whitespace ignored. */
export function parseSentinel(content: string): SentinelReading {
  const id = content.trim().toLowerCase();
  return UUID.test(id)
    ? { state: 'present', storageId: id }
    : { state: 'invalid', message: `${SENTINEL_PATH} does not hold a storage id (a UUID)` };
}

export abstract class StorageSentinel {
  abstract read(root: string): Promise<SentinelReading>;
  /** Writes the sentinel atomically (temp file + rename); fails with what to do. */
  abstract create(root: string, storageId: string): Promise<void>;
}
