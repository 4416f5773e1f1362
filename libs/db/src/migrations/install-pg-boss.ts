// Installs or upgrades pg-boss's schema as part of Portico's migration transaction, from the SQL
// pg-boss itself publishes, so that nodes can start pg-boss with `migrate: false` and no node
// ever changes the schema on its own.
import type { PoolClient } from 'pg';
import { getConstructionPlans, getMigrationPlans } from 'pg-boss';
import pgBossPackage from 'pg-boss/package.json';

import { MigrationError } from './plan-migrations';
import { splitPgBossPlan } from './pg-boss-plan';
import { PGBOSS_VERSION_TABLE, selectPgBossVersion } from './runner.sql';

/** The pg-boss schema version this build of pg-boss expects. */
export const PGBOSS_SCHEMA_VERSION: number = pgBossPackage.pgboss.schema;

export const DEFAULT_PGBOSS_SCHEMA = 'pgboss';

export interface PgBossInstallStep {
  /** The schema version found before this step, or null when pg-boss was not installed. */
  from: number | null;
  to: number;
  /** Statements to run after the transaction committed (concurrent index builds). */
  afterCommit: string[];
}

/** Runs inside the caller's transaction, after it took the migration lock. */
export async function installPgBoss(client: PoolClient, schema: string): Promise<PgBossInstallStep> {
  const { rows } = await client.query<{ installed: boolean }>(PGBOSS_VERSION_TABLE, [`${schema}.version`]);
  let from: number | null = null;
  if (rows[0]?.installed) {
    const version = await client.query<{ version: number }>(selectPgBossVersion(schema));
    from = version.rows[0]?.version ?? null;
  }
  if (from !== null && from > PGBOSS_SCHEMA_VERSION) {
    throw new MigrationError(
      `pg-boss schema "${schema}" is at version ${from}, newer than this build's pg-boss (schema ${PGBOSS_SCHEMA_VERSION}). ` +
        'The database was migrated by a newer Portico; run that version (or newer) instead.',
    );
  }
  if (from === PGBOSS_SCHEMA_VERSION) return { from, to: from, afterCommit: [] };

  const script = from === null ? getConstructionPlans(schema) : getMigrationPlans(schema, from);
  const plan = splitPgBossPlan(script);
  await client.query(plan.transactional);
  return { from, to: PGBOSS_SCHEMA_VERSION, afterCommit: plan.afterCommit };
}
