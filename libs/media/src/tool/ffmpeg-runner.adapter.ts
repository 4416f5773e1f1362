// Runs one FfmpegJob through fluent-ffmpeg: progress from `-progress pipe:1` on stdout, the
// watchdog and abort signal killing the process group, the output staged under a temp name and
// renamed on success, and every failure turned into a MediaError with ffmpeg's own reason.
import ffmpeg from 'fluent-ffmpeg';
import { resolve } from 'node:path';
import type { FfmpegJob } from '../commands/ffmpeg-job';
import type { ProcessStarted, RunResult } from '../media-tool';
import { MediaInputError, type MediaError, MediaProcessError } from '../run/errors';
import { failureReason, isBadInput } from '../run/failure';
import { type MediaLimits, wallClockLimitMs } from '../run/limits';
import { type MediaProgress, ProgressParser, progressAdvanced } from '../run/progress';
import { callSafely } from './call-safely';
import { spawnInOwnProcessGroup } from './fluent-process-group.adapter';
import { checkInput } from './input-check.adapter';
import { missingTool } from './missing-tool';
import { ProcessSupervisor } from './process-supervisor.adapter';
import { stageOutput, type StagedOutput } from './staged-output.adapter';

export interface FfmpegRun {
  readonly ffmpegPath: string;
  readonly limits: MediaLimits;
  readonly signal?: AbortSignal;
  readonly onStart?: (started: ProcessStarted) => void;
  readonly onProgress?: (progress: MediaProgress) => void;
}

/** Lines of stdout and stderr fluent-ffmpeg keeps; stderr carries errors only (-loglevel error). */
const KEPT_LINES = 50;

export async function runFfmpegJob(
  job: FfmpegJob,
  input: string,
  output: string,
  run: FfmpegRun,
): Promise<RunResult> {
  const started = performance.now();
  const inputPath = resolve(input);
  const finalPath = resolve(output);
  await checkInput(inputPath, 'ffmpeg', run.limits.probeTimeoutMs, run.signal);
  const staged = await stageOutput(job.output, finalPath);
  try {
    const process = await execute(job, inputPath, staged.target, run);
    if ((await staged.written()).length === 0)
      throw new MediaInputError(
        inputPath,
        'ffmpeg',
        `ffmpeg found nothing it could decode for the ${job.name} and wrote no output`,
      );
    const outputs = await commit(staged, inputPath, finalPath);
    return { outputs, args: process.args, pid: process.pid, elapsedMs: performance.now() - started };
  } catch (error) {
    await staged.discard();
    throw error;
  }
}

async function commit(staged: StagedOutput, input: string, final: string): Promise<string[]> {
  try {
    return await staged.commit();
  } catch (error) {
    throw new MediaProcessError(
      input,
      'ffmpeg',
      `could not move the output into place at ${final}: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
}

function execute(job: FfmpegJob, input: string, target: string, run: FfmpegRun): Promise<ProcessStarted> {
  return new Promise<ProcessStarted>((resolvePromise, reject) => {
    let settled = false;
    let started: ProcessStarted | undefined;
    const settle = (error?: MediaError): void => {
      if (settled) return;
      settled = true;
      supervisor.finish();
      if (error) reject(error);
      else if (started) resolvePromise(started);
      else
        reject(
          new MediaProcessError(input, 'ffmpeg', 'fluent-ffmpeg reported success without starting ffmpeg'),
        );
    };
    const supervisor = new ProcessSupervisor({
      tool: 'ffmpeg',
      file: input,
      limits: { wallClockMs: wallClockLimitMs(run.limits, job.mediaSeconds), stallMs: run.limits.stallMs },
      killGraceMs: run.limits.killGraceMs,
      signal: run.signal,
      onGiveUp: (error) => settle(error),
    });
    const parser = new ProgressParser(job.mediaSeconds);
    let last: MediaProgress | undefined;

    const command = ffmpeg(input, { stdoutLines: KEPT_LINES })
      // Spread, not an array: given one array, fluent-ffmpeg splits every item holding one space.
      .inputOptions(...job.inputOptions)
      .output(target)
      .outputOptions(...job.outputOptions);
    spawnInOwnProcessGroup(command, {
      refuse: () => supervisor.stopError,
      spawned: (child, args) => {
        supervisor.attach(child.pid);
        child.once('exit', () => supervisor.exited());
        child.stdout?.on('data', (chunk: Buffer) => {
          for (const progress of parser.push(chunk.toString('latin1'))) {
            if (progressAdvanced(last, progress)) supervisor.progressed();
            last = progress;
            callSafely(() => run.onProgress?.(progress));
          }
        });
        if (child.pid === undefined) return;
        started = { pid: child.pid, args: [...args] };
        const announced = started;
        callSafely(() => run.onStart?.(announced));
      },
    });
    command.on('error', (error: Error, _stdout: string | null, stderr: string | null) => {
      settle(
        supervisor.stopError ?? failureOf(error, stderr ?? '', input, run.ffmpegPath, started !== undefined),
      );
    });
    command.on('end', () => settle(supervisor.stopError));

    supervisor.start();
    if (supervisor.stopError) return settle(supervisor.stopError);
    try {
      command.run();
    } catch (error) {
      settle(
        new MediaProcessError(input, 'ffmpeg', `could not start ffmpeg: ${(error as Error).message}`, {
          cause: error,
        }),
      );
    }
  });
}

function failureOf(
  error: Error,
  stderr: string,
  input: string,
  ffmpegPath: string,
  spawned: boolean,
): MediaError {
  if ((error as NodeJS.ErrnoException).code === 'ENOENT' && !spawned)
    return missingTool(input, 'ffmpeg', ffmpegPath);
  const reason = failureReason(stderr);
  const signal = /killed with signal (\w+)/.exec(error.message)?.[1];
  if (signal)
    return new MediaProcessError(
      input,
      'ffmpeg',
      `ffmpeg was killed by ${signal}, not by Portico${reason ? ` (${reason})` : ''}`,
    );
  if (reason && isBadInput(stderr)) return new MediaInputError(input, 'ffmpeg', reason);
  const exit = /exited with code (\d+)/.exec(error.message)?.[1];
  return new MediaProcessError(
    input,
    'ffmpeg',
    exit ? `ffmpeg exited with code ${exit}: ${reason ?? 'it printed no error'}` : error.message,
    { cause: error },
  );
}
