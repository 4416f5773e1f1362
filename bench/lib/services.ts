// The real services a benchmark runs against: the test harness's PostgreSQL, pgBouncer
// (transaction mode), Redis and S3 on free loopback ports, and a fresh migrated database for
// the benchmark, reached through pgBouncer as the product connects.
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { migrate } from '@portico/db';
import { harnessUrls, startHarness, stopHarness, type HarnessState } from '@portico/testing';

import type { Lifecycle } from './lifecycle';

export interface BenchServices {
  readonly state: HarnessState;
  /** The benchmark's own database. */
  readonly database: string;
  /** Through pgBouncer: what the apps use. */
  readonly url: string;
  /** Straight to PostgreSQL: for the benchmark's own observations. */
  readonly directUrl: string;
}

async function adminQuery(state: HarnessState, sql: string): Promise<void> {
  const client = new Client({ connectionString: harnessUrls.postgresUrl(state) });
  client.on('error', () => undefined);
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Creates and migrates the template database, then closes it to connections so it can be cloned. */
async function prepareTemplate(state: HarnessState): Promise<void> {
  const name = state.postgres.templateDatabase;
  await adminQuery(state, `CREATE DATABASE "${name}"`);
  // Directly, not through pgBouncer, which would keep server connections to it open.
  await migrate(harnessUrls.postgresUrl(state, name));
  await adminQuery(state, `ALTER DATABASE "${name}" WITH IS_TEMPLATE true ALLOW_CONNECTIONS false`);
}

/** Clones the template; retries while the migration's server process is still leaving. */
async function cloneTemplate(state: HarnessState, database: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      await adminQuery(state, `CREATE DATABASE "${database}" TEMPLATE "${state.postgres.templateDatabase}"`);
      return;
    } catch (error) {
      const busy = error instanceof Error && /being accessed by other users/.test(error.message);
      if (!busy || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

/** Starts the services and registers their teardown (which deletes all their data). */
export async function startServices(
  bench: string,
  lifecycle: Lifecycle,
  log: (message: string) => void,
): Promise<BenchServices> {
  const started = Date.now();
  const { state } = await startHarness({ log, prepareTemplate });
  lifecycle.defer('services', () => stopHarness(state));
  const database = `bench_${bench.replace(/[^a-z0-9]+/g, '_')}_${randomBytes(4).toString('hex')}`;
  await cloneTemplate(state, database);
  log(`services up in ${Date.now() - started} ms`);
  return {
    state,
    database,
    url: harnessUrls.pgbouncerUrl(state, database),
    directUrl: harnessUrls.postgresUrl(state, database),
  };
}

/** A session straight to PostgreSQL, closed at cleanup. */
export async function directClient(services: BenchServices, lifecycle: Lifecycle): Promise<Client> {
  const client = new Client({ connectionString: services.directUrl, application_name: 'portico-bench' });
  // The services stop at cleanup while this session may still be open.
  client.on('error', () => undefined);
  await client.connect();
  lifecycle.defer('database session', () => client.end());
  return client;
}
