// A fresh, migrated database per test FILE, cloned from the harness template, so test files can
// run in parallel without seeing each other's rows.
import { randomBytes } from 'node:crypto';
import { basename } from 'node:path';
import { Client } from 'pg';

import { currentHarnessState } from './harness/state';
import { pgbouncerUrl, postgresUrl } from './harness/urls';

export interface TestDatabase {
  /** Database name. */
  readonly name: string;
  /** Through pgBouncer (transaction mode): what code under test must use. */
  readonly url: string;
  /** Straight to PostgreSQL, for assertions or setup that needs a session. */
  readonly directUrl: string;
}

function databaseName(): string {
  const testPath = expect.getState().testPath ?? 'test';
  const stem = basename(testPath)
    .replace(/\.(medium-spec|e2e-spec|spec)\.ts$/, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .slice(0, 32);
  return `t_${stem}_${randomBytes(4).toString('hex')}`;
}

async function adminQuery(sql: string): Promise<void> {
  const client = new Client({ connectionString: postgresUrl(currentHarnessState()) });
  client.on('error', () => undefined);
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Registers beforeAll/afterAll hooks: the database is created before the file's first test and
 * dropped (WITH FORCE, closing pgBouncer's server connections too) after its last.
 * Read its properties inside hooks or tests, not at module load.
 */
export function useTestDatabase(): TestDatabase {
  let current: { name: string; url: string; directUrl: string } | undefined;
  const get = (): { name: string; url: string; directUrl: string } => {
    if (!current)
      throw new Error(
        'useTestDatabase(): the database exists only inside beforeAll/it/afterAll of the file that called it',
      );
    return current;
  };

  beforeAll(async () => {
    const state = currentHarnessState();
    const name = databaseName();
    await adminQuery(`CREATE DATABASE "${name}" TEMPLATE "${state.postgres.templateDatabase}"`);
    current = { name, url: pgbouncerUrl(state, name), directUrl: postgresUrl(state, name) };
  });

  afterAll(async () => {
    if (!current) return;
    const { name } = current;
    current = undefined;
    await adminQuery(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  });

  return {
    get name() {
      return get().name;
    },
    get url() {
      return get().url;
    },
    get directUrl() {
      return get().directUrl;
    },
  };
}
