// pg-boss publishes its install and upgrade SQL as scripts meant for psql: `BEGIN; ... COMMIT;`,
// sometimes followed by statements that cannot run in a transaction (CREATE INDEX CONCURRENTLY).
// To install pg-boss inside Portico's own migration transaction (one lock, all or nothing), the
// script is split into its transactional body and the statements that follow the COMMIT.
export interface SplitPlan {
  /** The statements between BEGIN and COMMIT, to run inside the caller's transaction. */
  transactional: string;
  /** Statements after COMMIT, each to run on its own, outside any transaction. */
  afterCommit: string[];
}

export function splitPgBossPlan(script: string): SplitPlan {
  const begin = /^\s*BEGIN;/.exec(script);
  const commitAt = script.lastIndexOf('COMMIT;');
  if (!begin || commitAt < begin[0].length) {
    throw new Error(
      'pg-boss returned an install/upgrade script without BEGIN ... COMMIT; this pg-boss version is not supported by libs/db',
    );
  }
  const transactional = script.slice(begin[0].length, commitAt);
  const afterCommit = script
    .slice(commitAt + 'COMMIT;'.length)
    .split('\n')
    .filter((line) => !line.trim().startsWith('--'))
    .join('\n')
    .split(/;\s*(?:\n|$)/)
    .map((statement) => statement.trim())
    .filter((statement) => statement.length > 0);
  return { transactional, afterCommit };
}
