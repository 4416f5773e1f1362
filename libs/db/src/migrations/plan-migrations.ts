// Decides, without IO, which migrations to apply and whether the database may be migrated at all.
import { migrationChecksum, migrationId, type Migration } from './catalog';

export interface AppliedMigration {
  version: number;
  name: string;
  checksum: string;
}

export class MigrationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MigrationError';
  }
}

/** Throws MigrationError when an applied migration changed or is unknown to this build. */
export function planMigrations(
  known: readonly Migration[],
  applied: readonly AppliedMigration[],
): Migration[] {
  const byVersion = new Map(known.map((migration) => [migration.version, migration]));
  for (const row of applied) {
    const migration = byVersion.get(row.version);
    if (!migration) {
      throw new MigrationError(
        `The database has migration ${migrationId(row)} applied, which this build does not know. ` +
          'The database was migrated by a newer Portico; run that version (or newer) instead.',
      );
    }
    if (migrationChecksum(migration) !== row.checksum) {
      throw new MigrationError(
        `Migration ${migrationId(migration)} was changed after it was applied (checksum differs from the one recorded in portico.schema_migrations). ` +
          'Applied migrations must never be edited: restore the original file and put the change in a new migration.',
      );
    }
  }
  const appliedVersions = new Set(applied.map((row) => row.version));
  return known
    .filter((migration) => !appliedVersions.has(migration.version))
    .sort((a, b) => a.version - b.version);
}
