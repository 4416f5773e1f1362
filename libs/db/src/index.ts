export { maskDatabaseUrl } from './url/mask-database-url';
export { parseDatabaseUrl, SSL_MODES, type DatabaseUrl, type SslMode } from './url/database-url';
export { buildTlsOptions } from './url/tls-options';
export {
  DatabaseConnectionError,
  type DatabaseConnectionErrorKind,
} from './errors/database-connection-error';
export { toDatabaseConnectionError } from './errors/classify-connection-error';
export { createPool, type CreatePoolOptions, type DbLogger } from './pool/create-pool';
export { checkConnection, type ConnectionInfo } from './pool/check-connection';
export { migrate, type MigrateOptions, type MigrateResult } from './migrations/migrate';
export { MigrationError } from './migrations/plan-migrations';
export { MIGRATIONS, migrationId, type Migration } from './migrations/catalog';
export { PGBOSS_SCHEMA_VERSION, DEFAULT_PGBOSS_SCHEMA } from './migrations/install-pg-boss';
export { createBoss, createBossOnPool, type CreateBossOptions, type PgBoss } from './boss/create-boss';
export { inTransaction, type Db } from './pool/transaction';
export { AnalyzePolicy, type AnalyzePolicyOptions } from './statistics/analyze-policy';
export { StatisticsKeeper, type StatisticsKeeperOptions } from './statistics/statistics-keeper.repository';
