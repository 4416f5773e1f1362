// The shared-storage port: safe paths, hashing, walking, watching for changes.
export * from './paths';
export * from './hashing';
export * from './walk';
export * from './watch';
