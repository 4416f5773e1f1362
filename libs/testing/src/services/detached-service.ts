// Starting a service so that it outlives the process that started it (a jest worker may stop
// pgBouncer and another may start it again), and knowing when it is really up.
import { spawn } from 'node:child_process';
import { open } from 'node:fs/promises';
import { dirname } from 'node:path';

import { waitForPort } from './ports';
import { readPidFile } from './processes';
import { runCommand, type Command } from './run-command';
import type { DetachedServiceState } from '../harness/state';

/** Spawns a long-running command detached from this process, its output appended to logFile. */
export async function spawnDetached(command: Command, logFile: string, cwd: string): Promise<void> {
  const log = await open(logFile, 'a');
  try {
    const child = spawn(command.command, command.args, {
      cwd,
      detached: true,
      stdio: ['ignore', log.fd, log.fd],
    });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', () => resolve());
      child.once('error', reject);
    });
    child.unref();
  } finally {
    await log.close();
  }
}

/**
 * (Re)starts a service described by its state and resolves once its port accepts connections and
 * its pid file names it — both are needed before a test may rely on it or stop it again.
 */
export async function startDetachedService(service: DetachedServiceState, what: string): Promise<void> {
  if (service.startMode === 'daemon') await runCommand(service.start);
  else await spawnDetached(service.start, service.logFile, dirname(service.pidFile));
  await waitForPort(service.port, 'open', `${what} (log: ${service.logFile})`);
  const deadline = Date.now() + 10_000;
  while ((await readPidFile(service.pidFile)) === undefined) {
    if (Date.now() > deadline)
      throw new Error(
        `${what} is listening on port ${service.port} but wrote no pid file ${service.pidFile}`,
      );
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
