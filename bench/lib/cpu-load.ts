// Background CPU load: child processes that spin until killed, one per core to occupy.
import { spawn, type ChildProcess } from 'node:child_process';

import type { Lifecycle } from './lifecycle';

/**
 * Spins; every few million turns it checks that its parent is still the process that started
 * it, so a spinner never outlives a runner that was killed without cleaning up.
 */
const SPIN = `const parent = process.ppid;
for (let turn = 1; ; turn++) if ((turn & 0x3fffff) === 0 && process.ppid !== parent) process.exit(0);`;

export interface CpuLoad {
  readonly pids: readonly number[];
  stop(): Promise<void>;
}

export function startCpuLoad(processes: number, lifecycle: Lifecycle): CpuLoad {
  const children: ChildProcess[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(
      children.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.kill('SIGKILL');
          }),
      ),
    );
  };
  lifecycle.defer('cpu load', stop);
  for (let index = 0; index < processes; index++) {
    children.push(spawn(process.execPath, ['-e', SPIN], { stdio: 'ignore' }));
  }
  return { pids: children.map((child) => child.pid!), stop };
}
