// Jest global teardown: stops the services started by global-setup.ts and deletes their folder.
// Jest runs it even when tests failed; a run killed before this point is cleaned up by the next
// run's setup (see libs/testing/src/services/reap-stale-runs.ts).
import { HARNESS_ENV, readHarnessState, stopHarness } from '@portico/testing';

export default async function globalTeardown(): Promise<void> {
  const stateFile = process.env[HARNESS_ENV];
  if (!stateFile) return;
  await stopHarness(readHarnessState(stateFile));
  delete process.env[HARNESS_ENV];
}
