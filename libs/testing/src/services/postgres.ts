// A throw-away PostgreSQL cluster: scram password auth for a superuser, loopback only, tuned for
// speed over durability (the data is discarded after the run).
import { mkdir, writeFile, appendFile, chmod } from 'node:fs/promises';
import { join } from 'node:path';

import { LOOPBACK, waitForPort } from './ports';
import { runCommand, type Command } from './run-command';
import { asServiceUser, chownToServiceUser, type UserIds } from './service-user';
import type { PostgresState } from '../harness/state';

export interface StartPostgresOptions {
  binDir: string;
  dir: string;
  port: number;
  user: string;
  password: string;
  templateDatabase: string;
  /** Owner of the service files when running as root. */
  serviceUser: UserIds | undefined;
}

const SETTINGS = (port: number, socketDir: string): string => `
listen_addresses = '${LOOPBACK}'
port = ${port}
unix_socket_directories = '${socketDir}'
max_connections = 300
fsync = off
synchronous_commit = off
full_page_writes = off
wal_level = minimal
max_wal_senders = 0
checkpoint_timeout = 30min
shared_buffers = 64MB
log_min_messages = warning
log_connections = off
`;

export async function startPostgres(options: StartPostgresOptions): Promise<PostgresState> {
  const ids = options.serviceUser;
  const dataDir = join(options.dir, 'data');
  const socketDir = join(options.dir, 'socket');
  const logFile = join(options.dir, 'postgres.log');
  const pwFile = join(options.dir, 'pwfile');
  await mkdir(socketDir, { recursive: true });
  await writeFile(pwFile, `${options.password}\n`, { mode: 0o600 });
  await chownToServiceUser(ids, options.dir, socketDir, pwFile);
  await chmod(options.dir, 0o700);

  await runCommand(
    asServiceUser({
      command: join(options.binDir, 'initdb'),
      args: [
        '-D',
        dataDir,
        '-U',
        options.user,
        `--pwfile=${pwFile}`,
        '--auth=scram-sha-256',
        '--no-sync',
        '--no-instructions',
        '-E',
        'UTF8',
        '--locale=C',
      ],
    }),
  );
  await appendFile(join(dataDir, 'postgresql.conf'), SETTINGS(options.port, socketDir));

  const pgCtl = (...args: string[]): Command =>
    asServiceUser({
      command: join(options.binDir, 'pg_ctl'),
      args: ['-D', dataDir, '-l', logFile, '-w', '-t', '60', ...args],
    });
  await runCommand(pgCtl('start'));
  await waitForPort(options.port, 'open', 'PostgreSQL');

  return {
    host: LOOPBACK,
    port: options.port,
    user: options.user,
    password: options.password,
    binDir: options.binDir,
    dataDir,
    logFile,
    pidFile: join(dataDir, 'postmaster.pid'),
    templateDatabase: options.templateDatabase,
    restart: pgCtl('-m', 'fast', 'restart'),
  };
}
