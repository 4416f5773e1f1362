// The typed view of the running harness for test files.
import { currentHarnessState, type HarnessState } from './harness/state';
import { pgbouncerUrl, postgresUrl, redisUrl, s3Endpoint, type PgUrlOptions } from './harness/urls';

export interface Harness {
  state: HarnessState;
  /** Direct PostgreSQL URL, for admin work only (code under test goes through pgBouncer). */
  postgresUrl(database?: string, options?: PgUrlOptions): string;
  /** URL through pgBouncer in transaction mode. */
  pgbouncerUrl(database: string, options?: PgUrlOptions): string;
  /** The pgBouncer admin console (SHOW POOLS, PAUSE, RESUME). */
  pgbouncerAdminUrl: string;
  redisUrl: string;
  s3: {
    endpoint: string;
    accessKeyId: string;
    secretAccessKey: string;
    region: string;
    forcePathStyle: true;
  };
  tls: { caCertFile: string; wrongCaCertFile: string };
  tmpDir: string;
}

export function harness(): Harness {
  const state = currentHarnessState();
  return {
    state,
    postgresUrl: (database = 'postgres', options = {}) => postgresUrl(state, database, options),
    pgbouncerUrl: (database, options = {}) => pgbouncerUrl(state, database, options),
    pgbouncerAdminUrl: pgbouncerUrl(state, 'pgbouncer'),
    redisUrl: redisUrl(state),
    s3: {
      endpoint: s3Endpoint(state),
      accessKeyId: state.s3.accessKeyId,
      secretAccessKey: state.s3.secretAccessKey,
      region: state.s3.region,
      forcePathStyle: true,
    },
    tls: { caCertFile: state.tls.caCertFile, wrongCaCertFile: state.tls.wrongCaCertFile },
    tmpDir: state.runDir,
  };
}
