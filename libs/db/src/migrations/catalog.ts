// Every Portico migration, in order. The SQL lives in TypeScript modules (sql/NNNN_name.ts)
// rather than .sql files so that it is compiled into the build output with the code that runs
// it: nothing has to locate a folder at run time, from source or from dist/.
import { createHash } from 'node:crypto';

import { sql as core } from './sql/0001_core';
import { sql as clusterCore } from './sql/0002_cluster_core';
import { sql as jobLeases } from './sql/0003_job_leases';
import { sql as catalog } from './sql/0004_catalog';
import { sql as scanState } from './sql/0005_scan_state';
import { sql as transferState } from './sql/0006_transfer_state';
import { sql as slimJobAttempts } from './sql/0007_slim_job_attempts';
import { sql as removalApprovals } from './sql/0008_removal_approvals';
import { sql as leaseOnJobRow } from './sql/0009_lease_on_job_row';
import { sql as catalogSummary } from './sql/0010_catalog_summary';
import { sql as leaseTermKey } from './sql/0011_lease_term_key';
import { sql as leanerFileWrites } from './sql/0012_leaner_file_writes';

export interface Migration {
  /** Strictly increasing, never reused. */
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: 'core', sql: core },
  { version: 2, name: 'cluster_core', sql: clusterCore },
  { version: 3, name: 'job_leases', sql: jobLeases },
  { version: 4, name: 'catalog', sql: catalog },
  { version: 5, name: 'scan_state', sql: scanState },
  { version: 6, name: 'transfer_state', sql: transferState },
  { version: 7, name: 'slim_job_attempts', sql: slimJobAttempts },
  { version: 8, name: 'removal_approvals', sql: removalApprovals },
  { version: 9, name: 'lease_on_job_row', sql: leaseOnJobRow },
  { version: 10, name: 'catalog_summary', sql: catalogSummary },
  { version: 11, name: 'lease_term_key', sql: leaseTermKey },
  { version: 12, name: 'leaner_file_writes', sql: leanerFileWrites },
];

/** `0001_core`: how a migration is named in logs, errors and `migrate()`'s result. */
export function migrationId(migration: Pick<Migration, 'version' | 'name'>): string {
  return `${String(migration.version).padStart(4, '0')}_${migration.name}`;
}

export function migrationChecksum(migration: Pick<Migration, 'sql'>): string {
  return createHash('sha256').update(migration.sql).digest('hex');
}
