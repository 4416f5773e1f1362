import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { createInterface } from 'node:readline';

export interface ManagedProcess {
  name: string;
  child: ChildProcess;
  logFile: string;
}

export interface SupervisorEvents {
  /** A line a human should see (warnings and errors of a child, in short form). */
  notice(name: string, line: string): void;
  /** A child exited while the supervisor was not stopping. */
  unexpectedExit(name: string, code: number | null, signal: NodeJS.Signals | null): void;
}

/**
 * Runs the processes of a local cluster: each child's JSON log lines go to its own file,
 * warnings and errors are also shown; `stopAll` sends SIGTERM in reverse start order and waits.
 */
export class Supervisor {
  private readonly processes: ManagedProcess[] = [];
  private readonly streams: WriteStream[] = [];
  private stopping = false;

  constructor(private readonly events: SupervisorEvents) {}

  start(
    name: string,
    command: string,
    args: string[],
    options: { env: NodeJS.ProcessEnv; cwd: string; logFile: string },
  ): ManagedProcess {
    const child = spawn(command, args, {
      env: options.env,
      cwd: options.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const log = createWriteStream(options.logFile, { flags: 'a' });
    this.streams.push(log);
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on('line', (line) => {
        log.write(`${line}\n`);
        const notice = noticeOf(line);
        if (notice) this.events.notice(name, notice);
      });
    }
    child.once('exit', (code, signal) => {
      if (!this.stopping) this.events.unexpectedExit(name, code, signal);
    });
    const managed = { name, child, logFile: options.logFile };
    this.processes.push(managed);
    return managed;
  }

  async stopAll(graceMs = 30_000): Promise<void> {
    this.stopping = true;
    for (const managed of [...this.processes].reverse()) await stopProcess(managed.child, graceMs);
    await Promise.all(this.streams.map((stream) => new Promise((resolve) => stream.end(resolve))));
  }
}

function stopProcess(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Pino JSON lines at warn or above, and any non-JSON output (a crash), are worth showing. */
function noticeOf(line: string): string | undefined {
  try {
    const parsed = JSON.parse(line) as { level?: string; msg?: string; err?: { message?: string } };
    if (parsed.level === 'warn' || parsed.level === 'error' || parsed.level === 'fatal') {
      return `${parsed.level}: ${parsed.msg ?? ''}${parsed.err?.message ? ` (${parsed.err.message})` : ''}`;
    }
    return undefined;
  } catch {
    return line.trim() ? line : undefined;
  }
}
