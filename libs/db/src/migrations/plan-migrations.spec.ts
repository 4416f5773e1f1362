import { migrationChecksum, type Migration } from './catalog';
import { MigrationError, planMigrations } from './plan-migrations';
import { splitPgBossPlan } from './pg-boss-plan';

const one: Migration = { version: 1, name: 'core', sql: 'CREATE TABLE a ();' };
const two: Migration = { version: 2, name: 'more', sql: 'CREATE TABLE b ();' };
const applied = (m: Migration, checksum = migrationChecksum(m)) => ({
  version: m.version,
  name: m.name,
  checksum,
});

describe('planMigrations', () => {
  it('returns the migrations not applied yet, in order', () => {
    expect(planMigrations([two, one], [])).toEqual([one, two]);
    expect(planMigrations([one, two], [applied(one)])).toEqual([two]);
    expect(planMigrations([one, two], [applied(one), applied(two)])).toEqual([]);
  });

  it('refuses an applied migration whose SQL changed', () => {
    expect(() => planMigrations([one], [applied(one, 'other')])).toThrow(MigrationError);
    expect(() => planMigrations([one], [applied(one, 'other')])).toThrow(
      /0001_core was changed after it was applied/,
    );
  });

  it('refuses a database migrated by a newer build', () => {
    expect(() => planMigrations([one], [applied(one), applied(two)])).toThrow(
      /0002_more applied, which this build does not know/,
    );
  });
});

describe('splitPgBossPlan', () => {
  it('separates the transaction body from statements that must run after COMMIT', () => {
    const script =
      '\n    BEGIN;\n    SET LOCAL lock_timeout = 1;\n    CREATE TABLE x ();\n    COMMIT;\n  \n-- note\nCREATE INDEX CONCURRENTLY i1 ON x (a);\nCREATE INDEX CONCURRENTLY i2 ON x (b);\n';
    const plan = splitPgBossPlan(script);
    expect(plan.transactional).toContain('CREATE TABLE x ()');
    expect(plan.transactional).not.toMatch(/BEGIN|COMMIT/);
    expect(plan.afterCommit).toEqual([
      'CREATE INDEX CONCURRENTLY i1 ON x (a)',
      'CREATE INDEX CONCURRENTLY i2 ON x (b)',
    ]);
  });

  it('refuses a script that is not a single transaction', () => {
    expect(() => splitPgBossPlan('CREATE TABLE x ();')).toThrow(/without BEGIN/);
  });
});
