// The migrated template every test database is cloned from: migrating once per run and cloning
// per test file (CREATE DATABASE ... TEMPLATE) costs tens of milliseconds instead of a full
// migration per file.
import { Client } from 'pg';
import { migrate } from '@portico/db';
import { harnessUrls, type HarnessState } from '@portico/testing';

export async function createTemplateDatabase(state: HarnessState): Promise<void> {
  const name = state.postgres.templateDatabase;
  const admin = new Client({ connectionString: harnessUrls.postgresUrl(state) });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
    // Direct, not through pgBouncer: pgBouncer would keep server connections to the template
    // open, and PostgreSQL refuses to copy a database that has connections.
    await migrate(harnessUrls.postgresUrl(state, name));
    // No one may connect to it any more (a stray connection would break every clone).
    await admin.query(`ALTER DATABASE "${name}" WITH IS_TEMPLATE true ALLOW_CONNECTIONS false`);
    // migrate() has closed its connection, but the server process may still be exiting.
    const deadline = Date.now() + 10_000;
    for (;;) {
      const { rows } = await admin.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1',
        [name],
      );
      if (rows[0]?.n === 0) break;
      if (Date.now() > deadline)
        throw new Error(`connections to the template database "${name}" did not close`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  } finally {
    await admin.end();
  }
}
