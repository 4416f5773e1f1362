// ffprobe → MediaInfo. Spawned here rather than through fluent-ffmpeg's ffprobe(): that one
// spawns with fixed options (no process group), exposes no process to kill and has no timeout, so
// a probe of a hung file would hang its job forever; it also parses ffprobe's INI-like default
// output, where the JSON writer gives us typed values and `-show_error`'s error code.
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import type { ProcessStarted } from '../media-tool';
import type { MediaInfo } from '../probe/media-info';
import { parseProbeOutput } from '../probe/probe-parser';
import { MediaInputError, type MediaError, MediaProcessError } from '../run/errors';
import { failureReason, isBadInputCode } from '../run/failure';
import type { MediaLimits } from '../run/limits';
import { callSafely } from './call-safely';
import { checkInput } from './input-check.adapter';
import { ProcessSupervisor } from './process-supervisor.adapter';
import { StderrTail } from './stderr-tail';
import { missingTool } from './missing-tool';

export const PROBE_OPTIONS: readonly string[] = Object.freeze([
  '-hide_banner',
  '-loglevel',
  'error',
  '-show_error',
  '-show_format',
  '-show_streams',
  '-print_format',
  'json',
]);

/** Far more than any real file's description: a bound, so a broken ffprobe cannot fill memory. */
const MAX_STDOUT_BYTES = 16 * 1024 * 1024;

export interface ProbeRun {
  readonly ffprobePath: string;
  readonly limits: MediaLimits;
  readonly signal?: AbortSignal;
  readonly onStart?: (started: ProcessStarted) => void;
}

export async function probeFile(file: string, run: ProbeRun): Promise<MediaInfo> {
  const path = resolve(file);
  await checkInput(path, 'ffprobe', run.limits.probeTimeoutMs, run.signal);
  return new Promise<MediaInfo>((resolvePromise, reject) => {
    let settled = false;
    const settle = (outcome: { error: MediaError } | { info: MediaInfo }): void => {
      if (settled) return;
      settled = true;
      supervisor.finish();
      if ('error' in outcome) reject(outcome.error);
      else resolvePromise(outcome.info);
    };
    const supervisor = new ProcessSupervisor({
      tool: 'ffprobe',
      file: path,
      limits: { wallClockMs: run.limits.probeTimeoutMs },
      killGraceMs: run.limits.killGraceMs,
      signal: run.signal,
      onGiveUp: (error) => settle({ error }),
    });
    supervisor.start();
    if (supervisor.stopError) return settle({ error: supervisor.stopError });

    const args = [...PROBE_OPTIONS, path];
    let child;
    try {
      child = spawn(run.ffprobePath, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (error) {
      return settle({ error: spawnFailure(path, error as Error) });
    }
    supervisor.attach(child.pid);
    const stdout: Buffer[] = [];
    let stdoutBytes = 0;
    let overflow = false;
    const stderr = new StderrTail();
    child.stdout.on('data', (chunk: Buffer) => {
      stdoutBytes += chunk.length;
      if (stdoutBytes > MAX_STDOUT_BYTES) overflow = true;
      else stdout.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', (error: NodeJS.ErrnoException) => {
      supervisor.exited();
      settle({
        error:
          error.code === 'ENOENT' ? missingTool(path, 'ffprobe', run.ffprobePath) : spawnFailure(path, error),
      });
    });
    child.on('exit', () => supervisor.exited());
    child.on('close', (code, signal) => {
      if (supervisor.stopError) return settle({ error: supervisor.stopError });
      if (overflow)
        return settle({
          error: new MediaProcessError(
            path,
            'ffprobe',
            `ffprobe printed more than ${MAX_STDOUT_BYTES} bytes`,
          ),
        });
      settle(outcomeOf(path, Buffer.concat(stdout).toString('utf8'), stderr.text(), code, signal));
    });
    const pid = child.pid;
    if (pid !== undefined) callSafely(() => run.onStart?.({ pid, args }));
  });
}

function outcomeOf(
  file: string,
  stdout: string,
  stderr: string,
  code: number | null,
  signal: NodeJS.Signals | null,
): { error: MediaError } | { info: MediaInfo } {
  if (signal)
    return {
      error: new MediaProcessError(file, 'ffprobe', `ffprobe was killed by ${signal} (not by Portico)`),
    };
  let output;
  try {
    output = parseProbeOutput(stdout);
  } catch (error) {
    const reason = failureReason(stderr) ?? (error as Error).message;
    return { error: new MediaProcessError(file, 'ffprobe', `ffprobe exited with code ${code}: ${reason}`) };
  }
  if (output.ok) return { info: output.info };
  const reason = failureReason(stderr) ?? output.error.text;
  return {
    error: isBadInputCode(output.error.code)
      ? new MediaInputError(file, 'ffprobe', reason)
      : new MediaProcessError(file, 'ffprobe', reason),
  };
}

function spawnFailure(file: string, error: Error): MediaError {
  return new MediaProcessError(file, 'ffprobe', `could not start ffprobe: ${error.message}`, {
    cause: error,
  });
}
