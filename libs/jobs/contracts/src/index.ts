// Public API of the job contracts: job types as data, queue naming, payload validation.
export * from './define-job';
export * from './queue-name';
export * from './payload';
export * from './backoff';
export * from './schemas';
export * from './catalogue';
export * from './checksum-jobs';
