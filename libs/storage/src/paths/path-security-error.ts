// A storage path that would lead outside the storage root (SPEC 2.6). Retrying cannot make a
// path safe, so the error is permanent: the job goes to the dead-letter queue at once.

export type PathSecurityReason =
  | 'absolute'
  | 'parent-segment'
  | 'nul'
  | 'symlink-escape'
  | 'dangling-symlink'
  | 'symlink-loop'
  | 'outside-root'
  | 'not-absolute';

const EXPLANATIONS: Readonly<Record<PathSecurityReason, string>> = {
  absolute: 'it is absolute; storage paths are relative to the storage root',
  'parent-segment': 'it has a ".." segment; storage paths may not climb out of the storage root',
  nul: 'it contains a NUL character, which no file name may hold',
  'symlink-escape': 'a symbolic link in it leads outside the storage root',
  'dangling-symlink':
    'a symbolic link in it points to a path that does not exist, so where it would lead cannot be checked',
  'symlink-loop': 'its symbolic links form a loop',
  'outside-root': 'it is not under the storage root',
  'not-absolute': 'it is not an absolute path',
};

export class PathSecurityError extends Error {
  override readonly name = 'PathSecurityError';
  /** Never retried: the same path fails the same way. */
  readonly permanent = true;

  constructor(
    /** The path as it was given (storage-relative, or absolute for `relative()`). */
    readonly path: string,
    readonly reason: PathSecurityReason,
    /** Where it led, when that helps the operator (the real path outside the root). */
    detail?: string,
  ) {
    super(
      `Refused storage path ${JSON.stringify(path)}: ${EXPLANATIONS[reason]}${detail ? ` (${detail})` : ''}. ` +
        'Every file operation must stay inside the storage root; fix the path or the link on the storage.',
    );
  }
}
