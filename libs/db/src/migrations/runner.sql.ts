// The SQL of the migration runner itself (the migrations' own SQL is in sql/).

/**
 * Serialises concurrent migrators. Transaction-scoped, so it is released by COMMIT/ROLLBACK and
 * is safe through pgBouncer in transaction mode (a session lock would stay on a pooled server
 * connection). The key is an arbitrary constant reserved for Portico migrations.
 */
export const LOCK = 'SELECT pg_advisory_xact_lock(7306292473220153601)';

/** Waiting on another migrator longer than this means it is stuck; fail instead of hanging. */
export const LOCK_TIMEOUT = "SET LOCAL lock_timeout = '120s'";

export const CREATE_LEDGER = `
CREATE SCHEMA IF NOT EXISTS portico;
CREATE TABLE IF NOT EXISTS portico.schema_migrations (
  version integer PRIMARY KEY,
  name text NOT NULL,
  checksum text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
);
`;

export const SELECT_APPLIED =
  'SELECT version, name, checksum FROM portico.schema_migrations ORDER BY version';

export const INSERT_APPLIED =
  'INSERT INTO portico.schema_migrations (version, name, checksum) VALUES ($1, $2, $3)';

export const PGBOSS_VERSION_TABLE = 'SELECT to_regclass($1) IS NOT NULL AS installed';

export function selectPgBossVersion(schema: string): string {
  return `SELECT version::int AS version FROM ${schema}.version`;
}
