// Safe storage paths (SPEC 2.6): every file operation stays inside the storage root.
export * from './path-security-error';
export * from './storage-root-error';
export * from './storage-path';
export * from './storage-paths';
export * from './storage-paths.adapter';
