// Two test files must never share a database: this file and harness.medium-spec.ts each get
// their own, and this one checks it is alone in it and that it is a migrated clone.
import { Client } from 'pg';

import { useTestDatabase, waitFor } from './index';

const first = useTestDatabase();

async function scalar<T>(url: string, sql: string): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<{ value: T }>(sql)).rows[0]!.value;
  } finally {
    await client.end();
  }
}

it('gives each file its own migrated database, named after the file', async () => {
  expect(first.name).toMatch(/^t_use_test_database_[0-9a-f]{8}$/);
  await expect(scalar<string>(first.url, 'SELECT current_database() AS value')).resolves.toBe(first.name);
  await expect(
    scalar<number>(first.url, 'SELECT count(*)::int AS value FROM portico.schema_migrations'),
  ).resolves.toBeGreaterThan(0);
  // Rows written here are invisible to every other test database.
  await scalar(
    first.url,
    "INSERT INTO portico.clusters (id, name) VALUES (gen_random_uuid(), 'only-here') RETURNING 1 AS value",
  );
  await expect(
    scalar<number>(first.url, "SELECT count(*)::int AS value FROM portico.clusters WHERE name = 'only-here'"),
  ).resolves.toBe(1);
});

it('waitFor fails with its description when the state never comes', async () => {
  await expect(
    waitFor(() => false, { description: 'a state that never comes', timeoutMs: 100, intervalMs: 10 }),
  ).rejects.toThrow('Timed out after 100 ms waiting for: a state that never comes');
});
