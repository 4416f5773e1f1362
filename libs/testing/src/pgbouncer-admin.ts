// pgBouncer's admin console (the virtual `pgbouncer` database) speaks only the simple query
// protocol; node-postgres uses it for queries without parameters, which is all this sends.
import { Client } from 'pg';

import { currentHarnessState } from './harness/state';
import { pgbouncerUrl } from './harness/urls';

export type AdminRow = Record<string, string | number | null>;

export async function pgbouncerAdmin(command: string): Promise<AdminRow[]> {
  const client = new Client({ connectionString: pgbouncerUrl(currentHarnessState(), 'pgbouncer') });
  client.on('error', () => undefined);
  await client.connect();
  try {
    const result = await client.query<AdminRow>(command);
    return result.rows;
  } finally {
    await client.end().catch(() => undefined);
  }
}
