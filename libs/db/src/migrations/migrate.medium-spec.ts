// migrate() through pgBouncer (transaction mode) on fresh, empty databases.
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { getMigrationPlans, getRollbackPlans } from 'pg-boss';
import { harness } from '@portico/testing';

import { MigrationError, MIGRATIONS, PGBOSS_SCHEMA_VERSION, migrate, migrationId } from '../index';
import { splitPgBossPlan } from './pg-boss-plan';

const created: string[] = [];

async function admin<T extends object>(url: string, sql: string, values: unknown[] = []): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, values)).rows;
  } finally {
    await client.end();
  }
}

/** An empty database (not the migrated template), reached through pgBouncer. */
async function emptyDatabase(): Promise<{ name: string; url: string; directUrl: string }> {
  const name = `t_migrate_${randomBytes(4).toString('hex')}`;
  await admin(harness().postgresUrl(), `CREATE DATABASE "${name}"`);
  created.push(name);
  return { name, url: harness().pgbouncerUrl(name), directUrl: harness().postgresUrl(name) };
}

afterAll(async () => {
  for (const name of created)
    await admin(harness().postgresUrl(), `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
});

const ALL = MIGRATIONS.map(migrationId);

it('migrates a fresh database once, then is a no-op', async () => {
  const db = await emptyDatabase();
  const logged: object[] = [];
  const logger = { info: (obj: object) => logged.push(obj) };

  await expect(migrate(db.url, { logger })).resolves.toEqual({
    applied: ALL,
    pgBossVersion: PGBOSS_SCHEMA_VERSION,
  });
  await expect(migrate(db.url, { logger })).resolves.toEqual({
    applied: [],
    pgBossVersion: PGBOSS_SCHEMA_VERSION,
  });

  const ledger = await admin<{ version: number }>(
    db.directUrl,
    'SELECT version FROM portico.schema_migrations ORDER BY version',
  );
  expect(ledger.map((row) => row.version)).toEqual(MIGRATIONS.map((m) => m.version));
  await expect(
    admin(db.directUrl, "SELECT to_regclass('portico.clusters') IS NOT NULL AS ok"),
  ).resolves.toEqual([{ ok: true }]);
  await expect(admin(db.directUrl, 'SELECT version::int AS version FROM pgboss.version')).resolves.toEqual([
    { version: PGBOSS_SCHEMA_VERSION },
  ]);
  expect(logged).toEqual(expect.arrayContaining([{ migration: ALL[0] }]));
});

it('lets exactly one of three concurrent migrators apply, and the others wait for it', async () => {
  const db = await emptyDatabase();
  const results = await Promise.all([migrate(db.url), migrate(db.url), migrate(db.url)]);
  expect(results.filter((result) => result.applied.length > 0)).toEqual([
    { applied: ALL, pgBossVersion: PGBOSS_SCHEMA_VERSION },
  ]);
  expect(results.filter((result) => result.applied.length === 0)).toHaveLength(2);
  await expect(
    admin(db.directUrl, 'SELECT count(*)::int AS n FROM portico.schema_migrations'),
  ).resolves.toEqual([{ n: MIGRATIONS.length }]);
});

it('refuses to run when an applied migration was changed', async () => {
  const db = await emptyDatabase();
  await migrate(db.url);
  await admin(db.directUrl, "UPDATE portico.schema_migrations SET checksum = 'edited' WHERE version = 1");
  const failure = migrate(db.url);
  await expect(failure).rejects.toBeInstanceOf(MigrationError);
  await expect(migrate(db.url)).rejects.toThrow(`Migration ${ALL[0]} was changed after it was applied`);
});

it('upgrades an older pg-boss schema with the plans pg-boss publishes', async () => {
  const db = await emptyDatabase();
  await migrate(db.url);
  await admin(db.directUrl, getRollbackPlans('pgboss', PGBOSS_SCHEMA_VERSION));
  // The upgrade includes index builds that must run outside the transaction; drop their results
  // so the test proves migrate() runs them.
  const { afterCommit } = splitPgBossPlan(getMigrationPlans('pgboss', PGBOSS_SCHEMA_VERSION - 1));
  const indexes = afterCommit
    .map((statement) => /CREATE INDEX CONCURRENTLY IF NOT EXISTS (\w+)/.exec(statement)?.[1])
    .filter((name): name is string => !!name);
  for (const index of indexes) await admin(db.directUrl, `DROP INDEX IF EXISTS pgboss.${index}`);
  await expect(admin(db.directUrl, 'SELECT version::int AS version FROM pgboss.version')).resolves.toEqual([
    { version: PGBOSS_SCHEMA_VERSION - 1 },
  ]);

  await expect(migrate(db.url)).resolves.toEqual({ applied: [], pgBossVersion: PGBOSS_SCHEMA_VERSION });
  await expect(admin(db.directUrl, 'SELECT version::int AS version FROM pgboss.version')).resolves.toEqual([
    { version: PGBOSS_SCHEMA_VERSION },
  ]);
  const valid = await admin<{ name: string }>(
    db.directUrl,
    "SELECT c.relname AS name FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'pgboss' AND i.indisvalid AND c.relname = ANY($1)",
    [indexes],
  );
  expect(valid.map((row) => row.name).sort()).toEqual([...indexes].sort());
});
