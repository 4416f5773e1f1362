// Keeps one ffmpeg/ffprobe process under control: the wall-clock and stall watchdog, the
// caller's abort signal, and the kill. The process is spawned as the leader of its own process
// group (`detached: true`, i.e. setsid), and a stop kills the whole group with SIGKILL, so nothing
// it may have started survives, and no ffmpeg keeps writing after its job was given up.
import { MediaAbortedError, type MediaError, MediaTimeoutError, type MediaToolName } from '../run/errors';
import { Watchdog, type WatchdogLimits } from '../run/watchdog';

export interface SupervisorOptions {
  readonly tool: MediaToolName;
  readonly file: string;
  readonly limits: WatchdogLimits;
  /** After the kill, how long to wait for the process to be reaped before `onGiveUp`. */
  readonly killGraceMs: number;
  readonly signal?: AbortSignal;
  /**
   * The process was killed but has not ended after the grace period (uninterruptible I/O):
   * settle the run without it, with the stop error.
   */
  readonly onGiveUp: (error: MediaError) => void;
}

export class ProcessSupervisor {
  private pid: number | undefined;
  /** Until the process is reaped: after that its pid may be reused, and is never signalled again. */
  private alive = false;
  private stopped: MediaError | undefined;
  private graceTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly watchdog: Watchdog;
  private readonly onAbort = (): void => {
    const { file, tool, signal } = this.options;
    this.stop(new MediaAbortedError(file, tool, this.pid, signal?.reason));
  };

  constructor(private readonly options: SupervisorOptions) {
    this.watchdog = new Watchdog(options.limits, (kind, limitMs) =>
      this.stop(new MediaTimeoutError(options.file, options.tool, kind, limitMs, this.pid)),
    );
  }

  /** Arms the timers and the abort signal; an already aborted signal stops at once. */
  start(): void {
    const { signal } = this.options;
    if (signal?.aborted) return this.onAbort();
    signal?.addEventListener('abort', this.onAbort, { once: true });
    this.watchdog.start();
  }

  /** The process exists: a stop from now on kills its group (a stop before this kills it at once). */
  attach(pid: number | undefined): void {
    this.pid = pid;
    this.alive = pid !== undefined;
    if (this.stopped && this.alive) killProcessGroup(pid);
  }

  /** The process was reaped (its 'exit' event). */
  exited(): void {
    this.alive = false;
  }

  progressed(): void {
    this.watchdog.progressed();
  }

  /** Why the run was stopped (timeout or abort); undefined while it was not. */
  get stopError(): MediaError | undefined {
    return this.stopped;
  }

  /** The run settled: no timer or listener may outlive it. */
  finish(): void {
    this.watchdog.stop();
    this.options.signal?.removeEventListener('abort', this.onAbort);
    clearTimeout(this.graceTimer);
  }

  private stop(error: MediaError): void {
    if (this.stopped) return;
    this.stopped = error;
    this.watchdog.stop();
    this.options.signal?.removeEventListener('abort', this.onAbort);
    if (this.alive) killProcessGroup(this.pid);
    this.graceTimer = setTimeout(() => this.options.onGiveUp(error), this.options.killGraceMs);
  }
}

/** SIGKILL to every process of the group led by `pid`; a group already gone is fine. */
export function killProcessGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

/** Whether any process of the group led by `pid` is still alive. */
export function processGroupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
