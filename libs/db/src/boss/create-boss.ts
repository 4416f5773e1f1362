// pg-boss configured for pgBouncer in transaction mode:
// - migrate: false — the schema is installed and upgraded by migrate() under Portico's lock,
//   never by a node on its own; start() fails clearly if migrate() has not run.
// - useListenNotify: false — LISTEN needs a session-pinned connection pgBouncer does not give;
//   workers poll (and, where Redis is configured, are woken through Redis).
// - connection settings and TLS come from the same URI parsing as createPool.
// pg-boss's own locking uses pg_advisory_xact_lock, which is safe through pgBouncer.
import { PgBoss, type ConstructorOptions } from 'pg-boss';

import { connectionConfig } from '../pool/create-pool';
import { DEFAULT_PGBOSS_SCHEMA } from '../migrations/install-pg-boss';
import { parseDatabaseUrl } from '../url/database-url';

export type BossOverrides = Omit<
  ConstructorOptions,
  | 'connectionString'
  | 'host'
  | 'port'
  | 'database'
  | 'user'
  | 'password'
  | 'ssl'
  | 'db'
  | 'schema'
  | 'useListenNotify'
  | 'migrate'
  | 'createSchema'
>;

export interface CreateBossOptions extends BossOverrides {
  /** Schema of pg-boss's tables; must match the one migrate() installed. Default `pgboss`. */
  schema?: string;
  /** Connections pg-boss may hold. Default 10. */
  max?: number;
}

export function createBoss(url: string, options: CreateBossOptions = {}): PgBoss {
  const { schema, max, application_name: applicationName, ...overrides } = options;
  const connection = connectionConfig(parseDatabaseUrl(url), applicationName);
  return new PgBoss({
    ...overrides,
    host: connection.host,
    port: connection.port,
    database: connection.database,
    user: connection.user,
    password: typeof connection.password === 'string' ? connection.password : undefined,
    ssl: connection.ssl,
    application_name: connection.application_name,
    schema: schema ?? DEFAULT_PGBOSS_SCHEMA,
    max: max ?? 10,
    migrate: false,
    createSchema: false,
    useListenNotify: false,
  });
}

export type { PgBoss };

/**
 * pg-boss over an existing pool (its `db` option), for processes that only administer jobs
 * (the control plane's jobs API): no connections of its own, no supervisor, no workers.
 */
export function createBossOnPool(
  pool: { query(text: string, values?: unknown[]): Promise<{ rows: unknown[] }> },
  options: { schema?: string } = {},
): PgBoss {
  return new PgBoss({
    db: {
      executeSql: async (text: string, values?: unknown[]) => {
        const result = await pool.query(text, values);
        return { rows: result.rows as never[] };
      },
    },
    schema: options.schema ?? DEFAULT_PGBOSS_SCHEMA,
    migrate: false,
    createSchema: false,
    supervise: false,
    schedule: false,
    useListenNotify: false,
  });
}
