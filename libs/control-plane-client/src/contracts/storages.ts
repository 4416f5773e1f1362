import { z } from 'zod';
import { Id, IsoTime, Name } from './common';
import { NodeObjectStore } from './object-stores';

/**
 * What a delete event may do on this storage: nothing (forbid), remove the file from the storage
 * only (copies in the archive and proxy stores stay: the asset can be restored), or remove every copy.
 */
export const DELETE_POLICIES = ['forbid', 'storage-only', 'everywhere'] as const;
export const DeletePolicy = z.enum(DELETE_POLICIES);
export type DeletePolicy = z.infer<typeof DeletePolicy>;

/** Why a path is not relative to the storage root, or undefined when it is. */
export function storagePathProblem(path: string): string | undefined {
  if (path.startsWith('/')) return 'must be relative to the storage root (no leading "/")';
  if (path.includes('\\')) return 'must use "/" as the separator';
  if (path.includes('\u0000')) return 'must not contain NUL';
  const segments = path.split('/');
  if (segments.some((s) => s === '')) return 'has an empty segment ("//" or a trailing "/")';
  if (segments.some((s) => s === '.' || s === '..')) return 'must not contain "." or ".." segments';
  return undefined;
}

/** A path relative to the storage root, "/"-separated: "Projects/A/clip.mov". */
export const StoragePath = z
  .string()
  .min(1)
  .max(4096)
  .superRefine((path, ctx) => {
    const problem = storagePathProblem(path);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

/** A glob of the scanner's ignore list (picomatch syntax, matched against the base name and the relative path). */
export const IgnorePattern = z
  .string()
  .min(1)
  .max(256)
  .refine((p) => !p.includes('\u0000'), 'must not contain NUL');

const AbsolutePath = z.string().max(4096).startsWith('/', 'must be an absolute path');
const GrowingThreshold = z.number().int().min(0).max(86_400);

/**
 * The storage a cluster serves (one per cluster). Its overrides, when set, replace the
 * `ignore_patterns` and `growing_files_threshold_seconds` settings for its scans; null means the
 * settings (local → node → cluster → default) apply.
 */
export const Storage = z.object({
  id: Id,
  clusterId: Id,
  name: Name,
  /** The default mount point; a node's own mountPoint overrides it. */
  mountPoint: z.string().nullable(),
  /** Directories to scan, relative to the root; empty: the whole storage. */
  scanDirectories: z.array(z.string()),
  ignorePatterns: z.array(z.string()).nullable(),
  growingFilesThresholdSeconds: z.number().int().nullable(),
  deletePolicy: DeletePolicy,
  createdAt: IsoTime,
  updatedAt: IsoTime,
});
export type Storage = z.infer<typeof Storage>;

export const CreateStorageBody = z
  .object({
    name: Name,
    mountPoint: AbsolutePath.optional(),
    scanDirectories: z.array(StoragePath).max(100).optional(),
    ignorePatterns: z.array(IgnorePattern).max(200).nullable().optional(),
    growingFilesThresholdSeconds: GrowingThreshold.nullable().optional(),
    deletePolicy: DeletePolicy.optional(),
  })
  .strict();
export type CreateStorageBody = z.infer<typeof CreateStorageBody>;

/** PATCH: omitted fields stay; null clears an override (the settings apply again). */
export const UpdateStorageBody = z
  .object({
    name: Name.optional(),
    mountPoint: AbsolutePath.nullable().optional(),
    scanDirectories: z.array(StoragePath).max(100).optional(),
    ignorePatterns: z.array(IgnorePattern).max(200).nullable().optional(),
    growingFilesThresholdSeconds: GrowingThreshold.nullable().optional(),
    deletePolicy: DeletePolicy.optional(),
  })
  .strict();
export type UpdateStorageBody = z.infer<typeof UpdateStorageBody>;

/**
 * GET /nodes/me/storage with a node token: the cluster's storage and object stores with their
 * credentials (the secret in clear, or the env:NAME reference the node resolves). Answers 304 to
 * `If-None-Match: "<version>"` while nothing changed.
 */
export const NodeStorageView = z.object({
  storage: Storage.nullable(),
  objectStores: z.array(NodeObjectStore),
  version: z.string(),
});
export type NodeStorageView = z.infer<typeof NodeStorageView>;
