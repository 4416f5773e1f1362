// Errors of the local side of a transfer (the NAS file being uploaded, the download target),
// with what the operator should do. Permission and type problems will not fix themselves;
// anything else (a NAS hiccup, a full disk being cleaned) is worth a retry.
import { ObjectStoreError } from './object-store-error';

const PERMANENT_CODES = new Set(['EACCES', 'EPERM', 'EISDIR', 'ENOTDIR', 'EROFS', 'ENAMETOOLONG', 'ELOOP']);

export function localFileError(error: unknown, path: string, action: string): ObjectStoreError {
  if (error instanceof ObjectStoreError) return error;
  const code =
    typeof error === 'object' && error !== null && typeof (error as { code?: unknown }).code === 'string'
      ? (error as { code: string }).code
      : undefined;
  const reason = error instanceof Error ? error.message : String(error);
  const hint =
    code === 'ENOENT'
      ? 'the file or its folder does not exist (is the storage mounted?)'
      : code === 'EACCES' || code === 'EPERM'
        ? "permission denied: give the node's user access to it"
        : code === 'ENOSPC'
          ? 'no space left on the storage'
          : reason;
  return new ObjectStoreError('local-io', `Could not ${action} "${path}": ${hint}.`, {
    path,
    operation: action,
    ...(code === undefined ? {} : { code }),
    permanent: code !== undefined && PERMANENT_CODES.has(code),
  });
}
