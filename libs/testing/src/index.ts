// Test-only helpers (Nx tag type:testing): import from spec files, never from production code.
export { harness, type Harness } from './harness';
export type { HarnessState, PostgresState, DetachedServiceState, S3State, TlsState } from './harness/state';
export { HARNESS_ENV, readHarnessState } from './harness/state';
export * as harnessUrls from './harness/urls';
// Lifecycle of the services, for the jest global setup/teardown (src/jest).
export { startHarness, type StartHarnessOptions, type StartedHarness } from './harness/start-harness';
export { stopHarness } from './harness/stop-harness';
export type { PgUrlOptions } from './harness/urls';
export { useTestDatabase, type TestDatabase } from './use-test-database';
export { faults } from './faults';
export { pgbouncerAdmin, type AdminRow } from './pgbouncer-admin';
export { waitFor, type WaitForOptions } from './wait-for';
export { ensureCommands, type RequiredCommand } from './ensure-commands';
export { AppProcess, startApp, getJson, type ExitStatus } from './processes';
export { startTcpProxy, type TcpProxy } from './tcp-proxy';
export {
  TEST_ADMIN_TOKEN,
  createNodeIdentity,
  listeningUrl,
  nodeEnv,
  startControlPlane,
  startNode,
  type ControlPlaneHandle,
  type NodeHandle,
  type NodeIdentityFixture,
} from './cluster-fixture';
export { anyRejectionOf, execSql, lockWaiters, rejectionOf } from './assertions';
export {
  ageFile,
  openDescriptorsOn,
  referenceChecksum,
  type ReferenceAlgorithm,
  writeRandomFile,
} from './files';
