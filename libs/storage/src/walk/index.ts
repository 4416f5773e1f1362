// Walking the storage: the port (walk.ts), its worker-thread adapter, the sentinel, and the
// pure helpers they share.
export * from './walk';
export * from './scan-issue';
export * from './sentinel';
export { FileStorageSentinel } from './sentinel.adapter';
export { ThreadStorageWalker } from './thread-walker.adapter';
export { walkTree, subfolderTasks, type WalkTreeOptions } from './walk-tree';
export { compileIgnorePatterns, type IgnoreMatcher } from './ignore-matcher';
export { compileScanScope, type ScanScope } from './scan-scope';
export { NameCollisionDetector, COLLISION_CHECK_LIMIT } from './name-collisions';
export { ListingFingerprint } from './listing-fingerprint';
export { symlinkIssue, relativeInside, type LinkResolution } from './symlink-verdict';
export { PORTICO_FOLDER } from './list-directory.adapter';
