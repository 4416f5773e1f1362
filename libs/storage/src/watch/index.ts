// Watching the storage for changes: the port, its node:fs adapter, the pure plan they share.
export * from './storage-watcher';
export { FsStorageWatcher } from './fs-storage-watcher.adapter';
export { planWatches, depthOf, watchFailure, limitProblem, networkFileSystem } from './watch-plan';
