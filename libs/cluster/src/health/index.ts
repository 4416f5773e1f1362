export { HealthCheck, HEALTH_CHECK_NAMES, type HealthCheckName, type HealthDetails } from './health-check';
export {
  applyOutcome,
  initialCheckState,
  DEFAULT_THRESHOLDS,
  type CheckOutcome,
  type CheckState,
  type HealthStatus,
  type HysteresisThresholds,
} from './hysteresis';
export { ROLE_HEALTH_DEPENDENCIES, evaluateRoleGate, type RoleGate } from './role-gate';
export {
  HealthMonitor,
  DEFAULT_HEALTH_INTERVAL_MS,
  DEFAULT_HEALTH_TIMEOUT_MS,
  type HealthChangeListener,
  type HealthLogger,
  type HealthMonitorOptions,
  type HealthSnapshot,
} from './health-monitor';
export { DatabaseHealthCheck, type DatabaseHealthCheckOptions } from './database.adapter';
export { ControlPlaneHealthCheck } from './control-plane.adapter';
export { StorageHealthCheck, type StorageHealthCheckOptions } from './storage.adapter';
export { MonitoredReadinessCheck, readinessChecksFor } from './health.indicator';
