// pgBouncer in transaction mode in front of the harness PostgreSQL, as production runs it: any
// database name, password auth checked by pgBouncer itself (auth_file), an admin console for
// PAUSE/RESUME, TLS offered to clients, and room for 1000+ clients.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { LOOPBACK } from './ports';
import { startDetachedService } from './detached-service';
import type { Command } from './run-command';
import { asServiceUser, chownToServiceUser, type UserIds } from './service-user';
import type { Certificates } from './certificates';
import type { DetachedServiceState } from '../harness/state';

export interface StartPgBouncerOptions {
  binary: string;
  dir: string;
  port: number;
  postgresPort: number;
  user: string;
  password: string;
  certificates: Certificates;
  /** Owner of the service files when running as root. */
  serviceUser: UserIds | undefined;
}

export const MAX_CLIENT_CONN = 2000;

const config = (
  o: StartPgBouncerOptions,
  files: { authFile: string; logFile: string; pidFile: string },
): string => `
[databases]
* = host=${LOOPBACK} port=${o.postgresPort}

[pgbouncer]
listen_addr = ${LOOPBACK}
listen_port = ${o.port}
unix_socket_dir =
pool_mode = transaction
auth_type = scram-sha-256
auth_file = ${files.authFile}
admin_users = ${o.user}
stats_users = ${o.user}
max_client_conn = ${MAX_CLIENT_CONN}
default_pool_size = 20
max_db_connections = 50
server_login_retry = 1
ignore_startup_parameters = extra_float_digits
logfile = ${files.logFile}
pidfile = ${files.pidFile}
client_tls_sslmode = allow
client_tls_key_file = ${o.certificates.serverKeyFile}
client_tls_cert_file = ${o.certificates.serverCertFile}
client_tls_ca_file = ${o.certificates.caCertFile}
`;

/**
 * The start command: a shell raises the open-files soft limit to the hard limit first, because
 * each client is a file descriptor and the usual soft limit of 1024 caps pgBouncer below 1000
 * clients. `-d` daemonizes it, so the command returns once it is running.
 */
function startCommand(binary: string, configFile: string): Command {
  const script =
    'ulimit -n "$(ulimit -Hn)" 2>/dev/null || ulimit -n 65536 2>/dev/null || true; exec "$0" -d "$1"';
  return asServiceUser({ command: 'sh', args: ['-c', script, binary, configFile] });
}

export async function startPgBouncer(
  o: StartPgBouncerOptions,
): Promise<DetachedServiceState & { configFile: string }> {
  const ids = o.serviceUser;
  await mkdir(o.dir, { recursive: true });
  const files = {
    authFile: join(o.dir, 'userlist.txt'),
    logFile: join(o.dir, 'pgbouncer.log'),
    pidFile: join(o.dir, 'pgbouncer.pid'),
  };
  const configFile = join(o.dir, 'pgbouncer.ini');
  // A plain-text password lets pgBouncer both verify clients (scram) and log in to PostgreSQL.
  await writeFile(files.authFile, `"${o.user}" "${o.password}"\n`, { mode: 0o600 });
  await writeFile(configFile, config(o, files), { mode: 0o600 });
  await chownToServiceUser(ids, o.dir, files.authFile, configFile, o.certificates.serverKeyFile);

  const start = startCommand(o.binary, configFile);
  const state = {
    port: o.port,
    pidFile: files.pidFile,
    logFile: files.logFile,
    configFile,
    start,
    startMode: 'daemon' as const,
  };
  await startDetachedService(state, 'pgBouncer');
  return state;
}
