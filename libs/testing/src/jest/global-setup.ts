// Jest global setup of the `integration` project: starts PostgreSQL, pgBouncer, Redis and S3 once
// per run, migrates the template database every test database is cloned from, and publishes the
// state file in PORTICO_TEST_HARNESS, which jest hands down to its worker processes.
//
// This folder is its own Nx project (testing-jest): it is the only code that needs both the
// harness and @portico/db, and keeping it apart from libs/testing lets libs/db's own medium tests
// use the harness without a db <-> testing dependency cycle.
//
// `@portico/db` and `@portico/testing` resolve here without jest's moduleNameMapper (which global
// setup does not get) because this file is compiled with the repo's SWC options, whose `paths`
// (from tsconfig.base.json) rewrite the aliases into relative requires at compile time.
import { HARNESS_ENV, startHarness } from '@portico/testing';

import { createTemplateDatabase } from './template-database';

export default async function globalSetup(): Promise<void> {
  const log = (message: string): void => {
    process.stderr.write(`[test harness] ${message}\n`);
  };
  const { state, stateFile } = await startHarness({ log, prepareTemplate: createTemplateDatabase });
  process.env[HARNESS_ENV] = stateFile;
  log(`services up in ${state.startupMs} ms (state: ${stateFile})`);
}
