export { createLogger, type Logger, type LoggerOptions } from './logging/logger';
export { PinoNestLogger } from './logging/nest-logger';
export { scrubSecrets, SECRET_KEYS } from './logging/redact';
export { MetricsRegistry, type ProcessIdentity } from './metrics/metrics';
export { ReadinessCheck, READINESS_CHECKS, withTimeout } from './health/readiness';
export { DatabaseReadinessCheck } from './health/database.indicator';
export { PlatformModule, LOGGER, type PlatformOptions } from './platform.module';
export { runApp, type AppContext, type AppSpec } from './bootstrap/run-app';
export { connectDatabase } from './bootstrap/database';
export { productVersion } from './bootstrap/version';
export { runNode, NODE_CONFIG, NODE_RUNTIME, type NodeAppSpec } from './node/run-node';
export { startNodeRuntime, type NodeRuntime } from './node/node-runtime';
export {
  loadNodeConfig,
  NODE_APPS,
  type NodeAppName,
  type NodeConfig,
  type NodeCredentials,
} from './node/node-config';
