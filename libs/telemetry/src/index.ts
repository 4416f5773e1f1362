// Public API of the telemetry library: periodic telemetry reports and log shipping to the
// control plane (SPEC 2.7).
export {
  TelemetrySink,
  LogSink,
  HostInfoProvider,
  StorageStatsProvider,
  type HostInfoRecord,
  type StorageStatsRecord,
  type TelemetryLogger,
} from './ports';
export { backoffDelay, type BackoffPolicy } from './backoff';
export {
  TelemetryReporter,
  DEFAULT_TELEMETRY_INTERVAL_SECONDS,
  type AckListener,
  type TelemetryIdentity,
  type TelemetryProviders,
  type TelemetryReporterOptions,
  type TelemetryReporterState,
} from './telemetry-reporter';
export { LogShipper, type LogShipperOptions, type LogShipperStats } from './log-shipper';
export { parseLogLine, type LogLevel } from './log-line';
export { OsHostInfoProvider } from './host-info.adapter';
export { StatfsStorageStatsProvider } from './storage-stats.adapter';
