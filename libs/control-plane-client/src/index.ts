export * from './contracts/common';
export * from './contracts/clusters';
export * from './contracts/nodes';
export * from './contracts/telemetry';
export * from './contracts/logs';
export * from './contracts/tokens';
export * from './contracts/status';
export { ControlPlaneClient, type ControlPlaneClientOptions } from './client';
export { ControlPlaneError, ControlPlaneUnreachableError } from './errors';
