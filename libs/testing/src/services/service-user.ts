// PostgreSQL refuses to run as root, and pgBouncer warns against it, so when the harness runs as
// root (CI containers) those two run as the `postgres` OS user, created if missing.
import { chown } from 'node:fs/promises';
import { runCommand, type Command } from './run-command';

export const SERVICE_USER = 'postgres';

export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** Wraps a command so it runs as the service user when we are root, as ourselves otherwise. */
export function asServiceUser(command: Command): Command {
  if (!isRoot()) return command;
  return { command: 'runuser', args: ['-u', SERVICE_USER, '--', command.command, ...command.args] };
}

export interface UserIds {
  uid: number;
  gid: number;
}

async function lookupUser(): Promise<UserIds | undefined> {
  try {
    const out = await runCommand({ command: 'id', args: ['-u', SERVICE_USER] });
    const gid = await runCommand({ command: 'id', args: ['-g', SERVICE_USER] });
    return { uid: Number(out.trim()), gid: Number(gid.trim()) };
  } catch {
    return undefined;
  }
}

/** Returns the ids files must be owned by for the services to use them (undefined: ourselves). */
export async function ensureServiceUser(): Promise<UserIds | undefined> {
  if (!isRoot()) return undefined;
  const found = await lookupUser();
  if (found) return found;
  await runCommand({
    command: 'useradd',
    args: ['--system', '--user-group', '--no-create-home', '--shell', '/bin/sh', SERVICE_USER],
  });
  const created = await lookupUser();
  if (!created)
    throw new Error(`could not create the OS user "${SERVICE_USER}" that runs PostgreSQL and pgBouncer`);
  return created;
}

export async function chownToServiceUser(ids: UserIds | undefined, ...paths: string[]): Promise<void> {
  if (!ids) return;
  await Promise.all(paths.map((path) => chown(path, ids.uid, ids.gid)));
}
