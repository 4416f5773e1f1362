// The shared-storage port: safe paths, hashing, walking.
export * from './paths';
export * from './hashing';
export * from './walk';
