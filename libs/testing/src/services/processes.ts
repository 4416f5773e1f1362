// Services run detached and are tracked by pid files, so any process (a jest worker, the
// teardown, the next run's setup) can stop them. A pid is only signalled after checking that it
// still belongs to this harness run (its command line or working directory is inside the run
// folder), so a recycled pid is never killed.
import { readFile, readlink } from 'node:fs/promises';

export async function readPidFile(pidFile: string): Promise<number | undefined> {
  try {
    const text = await readFile(pidFile, 'utf8');
    const pid = Number(text.split('\n')[0]?.trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** True when /proc shows the pid running with runDir in its command line or working directory. */
export async function belongsToRun(pid: number, runDir: string): Promise<boolean> {
  try {
    const cmdline = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0').join(' ');
    if (cmdline.includes(runDir)) return true;
    const cwd = await readlink(`/proc/${pid}/cwd`);
    return cwd.startsWith(runDir);
  } catch {
    // No /proc (macOS) or the process is gone: the pid file is all there is to go on.
    return isAlive(pid);
  }
}

export async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return true;
}

/** Signals the process of a pid file and waits until it is gone; SIGKILL if it lingers. */
export async function stopByPidFile(
  pidFile: string,
  runDir: string,
  signal: NodeJS.Signals = 'SIGTERM',
  graceMs = 10_000,
): Promise<void> {
  const pid = await readPidFile(pidFile);
  if (pid === undefined || !isAlive(pid) || !(await belongsToRun(pid, runDir))) return;
  try {
    process.kill(pid, signal);
  } catch {
    return;
  }
  if (await waitForExit(pid, graceMs)) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    return;
  }
  await waitForExit(pid, 5_000);
}
