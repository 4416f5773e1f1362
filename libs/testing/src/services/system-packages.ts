// Finds the service binaries. On a fresh CI machine they may be missing: as root with apt-get the
// harness installs them itself; otherwise it fails with the one command that fixes it. Tests are
// never skipped for want of a service.
import { access, readdir } from 'node:fs/promises';
import { constants } from 'node:fs';
import { delimiter, join } from 'node:path';

import { runCommand } from './run-command';
import { isRoot } from './service-user';

export interface Binaries {
  /** Folder with initdb, pg_ctl and postgres. */
  postgresBinDir: string;
  pgbouncer: string;
  redisServer: string;
  openssl: string;
}

const PACKAGES = {
  postgres: 'postgresql',
  pgbouncer: 'pgbouncer',
  redis: 'redis-server',
  openssl: 'openssl',
} as const;

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

async function findOnPath(name: string, extraDirs: string[] = []): Promise<string | undefined> {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), ...extraDirs].filter(Boolean);
  for (const dir of dirs) {
    const candidate = join(dir, name);
    if (await isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/** Debian installs PostgreSQL under /usr/lib/postgresql/<major>/bin; the newest major wins. */
async function findPostgresBinDir(): Promise<string | undefined> {
  const root = '/usr/lib/postgresql';
  const majors = await readdir(root).catch(() => [] as string[]);
  const sorted = majors.filter((name) => /^\d+$/.test(name)).sort((a, b) => Number(b) - Number(a));
  for (const major of sorted) {
    const dir = join(root, major, 'bin');
    if (await isExecutable(join(dir, 'initdb'))) return dir;
  }
  const initdb = await findOnPath('initdb');
  return initdb ? join(initdb, '..') : undefined;
}

async function locate(): Promise<{ found: Partial<Binaries>; missing: string[] }> {
  const sbin = ['/usr/sbin', '/usr/local/sbin', '/usr/bin'];
  const [postgresBinDir, pgbouncer, redisServer, openssl] = await Promise.all([
    findPostgresBinDir(),
    findOnPath('pgbouncer', sbin),
    findOnPath('redis-server', sbin),
    findOnPath('openssl', sbin),
  ]);
  const missing: string[] = [];
  if (!postgresBinDir) missing.push(PACKAGES.postgres);
  if (!pgbouncer) missing.push(PACKAGES.pgbouncer);
  if (!redisServer) missing.push(PACKAGES.redis);
  if (!openssl) missing.push(PACKAGES.openssl);
  return { found: { postgresBinDir, pgbouncer, redisServer, openssl }, missing };
}

function complete(found: Partial<Binaries>): Binaries | undefined {
  const { postgresBinDir, pgbouncer, redisServer, openssl } = found;
  return postgresBinDir && pgbouncer && redisServer && openssl
    ? { postgresBinDir, pgbouncer, redisServer, openssl }
    : undefined;
}

export async function ensureBinaries(log: (message: string) => void): Promise<Binaries> {
  const first = await locate();
  const ready = complete(first.found);
  if (ready) return ready;

  const installCommand = `apt-get update && apt-get install -y ${first.missing.join(' ')}`;
  const aptGet = await findOnPath('apt-get');
  if (!isRoot() || !aptGet) {
    throw new Error(
      `The integration test harness needs the system packages ${first.missing.join(', ')}, which are not installed. ` +
        `Install them (Debian/Ubuntu: sudo ${installCommand}; macOS: brew install postgresql pgbouncer redis) and run the tests again.`,
    );
  }
  log(`installing missing packages: ${first.missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  await runCommand({ command: aptGet, args: ['update'] }, { env, timeoutMs: 600_000 });
  await runCommand(
    { command: aptGet, args: ['install', '-y', '--no-install-recommends', ...first.missing] },
    { env, timeoutMs: 900_000 },
  );
  const second = await locate();
  const installed = complete(second.found);
  if (!installed)
    throw new Error(
      `apt-get installed ${first.missing.join(' ')} but ${second.missing.join(', ')} still cannot be found`,
    );
  return installed;
}
