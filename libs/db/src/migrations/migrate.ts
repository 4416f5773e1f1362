// Brings a database to this build's schema: Portico's migrations and pg-boss's schema, in ONE
// transaction under one transaction-scoped advisory lock, so concurrent starters through pgBouncer
// (transaction mode) neither race nor leave a half-migrated database.
import { createPool, type DbLogger } from '../pool/create-pool';
import { toDatabaseConnectionError } from '../errors/classify-connection-error';
import { parseDatabaseUrl } from '../url/database-url';
import { MIGRATIONS, migrationChecksum, migrationId } from './catalog';
import { DEFAULT_PGBOSS_SCHEMA, installPgBoss } from './install-pg-boss';
import { MigrationError, planMigrations, type AppliedMigration } from './plan-migrations';
import { CREATE_LEDGER, INSERT_APPLIED, LOCK, LOCK_TIMEOUT, SELECT_APPLIED } from './runner.sql';

export interface MigrateOptions {
  logger?: DbLogger;
  /** Schema of pg-boss's tables. Default `pgboss`. */
  pgBossSchema?: string;
}

export interface MigrateResult {
  /** Migrations applied by this call, e.g. `['0001_core']`; empty when the database was current. */
  applied: string[];
  /** pg-boss's schema version after the call. */
  pgBossVersion: number;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export async function migrate(url: string, options: MigrateOptions = {}): Promise<MigrateResult> {
  const target = parseDatabaseUrl(url);
  const pgBossSchema = options.pgBossSchema ?? DEFAULT_PGBOSS_SCHEMA;
  const pool = createPool(url, { max: 1, applicationName: 'portico-migrate', logger: options.logger });
  try {
    const client = await pool.connect().catch((error: unknown) => {
      throw toDatabaseConnectionError(error, target);
    });
    try {
      await client.query('BEGIN');
      let result: MigrateResult;
      let afterCommit: string[];
      try {
        await client.query(LOCK_TIMEOUT);
        await client.query(LOCK);
        await client.query(CREATE_LEDGER);
        const { rows } = await client.query<AppliedMigration>(SELECT_APPLIED);
        const pending = planMigrations(MIGRATIONS, rows);
        for (const migration of pending) {
          await client.query(migration.sql).catch((error: unknown) => {
            throw new MigrationError(
              `Migration ${migrationId(migration)} failed and nothing was applied: ${errorMessage(error)}`,
            );
          });
          await client.query(INSERT_APPLIED, [
            migration.version,
            migration.name,
            migrationChecksum(migration),
          ]);
        }
        const pgBoss = await installPgBoss(client, pgBossSchema);
        await client.query('COMMIT');
        result = { applied: pending.map(migrationId), pgBossVersion: pgBoss.to };
        afterCommit = pgBoss.afterCommit;
        if (pgBoss.from !== pgBoss.to) {
          options.logger?.info(
            { schema: pgBossSchema, from: pgBoss.from, to: pgBoss.to },
            'pg-boss schema installed',
          );
        }
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
      // Concurrent index builds of a pg-boss upgrade cannot run in a transaction. The schema is
      // already usable without them (they only speed queries up), so a failure names the
      // statement for the operator to run by hand rather than undoing the upgrade.
      for (const statement of afterCommit) {
        await client.query(statement).catch((error: unknown) => {
          throw new MigrationError(
            `pg-boss upgrade committed, but an index build failed (${errorMessage(error)}); run it by hand: ${statement}`,
          );
        });
      }
      for (const id of result.applied) options.logger?.info({ migration: id }, 'migration applied');
      return result;
    } finally {
      client.release();
    }
  } finally {
    await pool.end();
  }
}
