// The checksum engine (SPEC 2.6 CHECKSUM): one read of a file computes every configured algorithm.
export * from './algorithms';
export * from './digesters';
export * from './file-access-error';
export * from './file-changed-error';
export * from './file-version';
export * from './progress-throttle';
export * from './file-hasher';
export * from './file-hasher.adapter';
