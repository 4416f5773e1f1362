// Shared payload building blocks.
import { z } from 'zod';

export const CHECKSUM_ALGORITHMS = ['md5', 'sha1', 'sha256', 'xxh64', 'xxh3'] as const;

/**
 * A path relative to the cluster's storage root (every node mounts the storage at its own mount
 * point, so absolute paths would mean different files on different nodes).
 */
export const storagePath = z
  .string()
  .min(1)
  .max(4096)
  .refine((path) => !path.startsWith('/') && !/^[A-Za-z]:[\\/]/.test(path), {
    message: 'must be relative to the storage root, not absolute',
  })
  .refine((path) => !path.split(/[\\/]/).some((segment) => segment === '..'), {
    message: 'must not contain ".." segments',
  })
  .refine((path) => !path.includes('\0'), { message: 'must not contain NUL characters' });

export const checksum = z.object({
  algorithm: z.enum(CHECKSUM_ALGORITHMS),
  value: z.string().regex(/^[0-9a-f]+$/, 'must be lower-case hex'),
});

/** A transcode profile name from the `transcode_profiles` setting. */
export const profileName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'must be a profile name such as "proxy"');

/** Where an object lives in an external object store. */
export const objectLocation = z.object({
  storageId: z.uuid(),
  key: z.string().min(1).max(1024),
});
