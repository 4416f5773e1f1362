// Redis on loopback without persistence: test data never needs to survive a restart.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';

import { LOOPBACK } from './ports';
import { startDetachedService } from './detached-service';
import type { Command } from './run-command';
import type { DetachedServiceState } from '../harness/state';

export async function startRedis(binary: string, dir: string, port: number): Promise<DetachedServiceState> {
  await mkdir(dir, { recursive: true });
  const pidFile = join(dir, 'redis.pid');
  const logFile = join(dir, 'redis.log');
  const start: Command = {
    command: binary,
    args: [
      '--port',
      String(port),
      '--bind',
      LOOPBACK,
      '--save',
      '',
      '--appendonly',
      'no',
      '--daemonize',
      'yes',
      '--pidfile',
      pidFile,
      '--logfile',
      logFile,
      '--dir',
      dir,
      '--protected-mode',
      'no',
    ],
  };
  const state: DetachedServiceState = { port, pidFile, logFile, start, startMode: 'daemon' };
  await startDetachedService(state, 'Redis');
  return state;
}
