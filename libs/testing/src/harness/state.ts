// The contract between the global setup (which starts the services) and every test process
// (jest workers are separate processes): a JSON file whose path is in PORTICO_TEST_HARNESS.
import { readFileSync } from 'node:fs';

import type { Command } from '../services/run-command';

export const HARNESS_ENV = 'PORTICO_TEST_HARNESS';

export interface PostgresState {
  host: string;
  port: number;
  /** Superuser, also the pgBouncer admin user. */
  user: string;
  password: string;
  binDir: string;
  dataDir: string;
  logFile: string;
  pidFile: string;
  /** Database every test database is cloned from, migrated by `migrate()` of @portico/db. */
  templateDatabase: string;
  /** Restarts the server and waits until it accepts connections. */
  restart: Command;
}

export interface DetachedServiceState {
  port: number;
  pidFile: string;
  logFile: string;
  /** Starts the service again after a stop; it writes pidFile. */
  start: Command;
  /** `daemon`: the command daemonizes and returns; `spawn`: it stays in the foreground (run it detached). */
  startMode: 'daemon' | 'spawn';
}

export interface S3State extends DetachedServiceState {
  dir: string;
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
}

export interface TlsState {
  /** CA that signed pgBouncer's certificate (SAN IP:127.0.0.1, DNS:localhost). */
  caCertFile: string;
  /** A CA unrelated to any service, for negative tests. */
  wrongCaCertFile: string;
  serverCertFile: string;
  serverKeyFile: string;
}

export interface HarnessState {
  version: 1;
  /** Temporary folder holding every service's data, logs, pid files and this state. */
  runDir: string;
  /** The jest process that started the services; a dead owner marks a run as stale. */
  ownerPid: number;
  startedAt: string;
  startupMs: number;
  postgres: PostgresState;
  pgbouncer: DetachedServiceState & { configFile: string };
  redis: DetachedServiceState;
  s3: S3State;
  tls: TlsState;
}

export function readHarnessState(path: string): HarnessState {
  return JSON.parse(readFileSync(path, 'utf8')) as HarnessState;
}

export function currentHarnessState(): HarnessState {
  const path = process.env[HARNESS_ENV];
  if (!path) {
    throw new Error(
      `${HARNESS_ENV} is not set: this test needs the real-service harness. Run it in the jest "integration" project ` +
        '(npx jest --selectProjects integration <path>), whose global setup starts PostgreSQL, pgBouncer, Redis and S3.',
    );
  }
  return readHarnessState(path);
}
