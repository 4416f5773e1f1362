// SPEC 4: transcode wall time of the worker path against the same ffmpeg command run bare. The
// worker path is what the TRANSCODE role does for a video's proxy: probe with ffprobe, build the
// arguments from the default profile, run ffmpeg through fluent-ffmpeg with progress, watchdog,
// process group and temp-name-then-rename. The bare run is the same binary with the exact
// argument list the worker ran (only the output path differs), spawned with child_process.
// Runs alternate in order (worker first, then bare first, …) and medians are compared.
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { FfmpegMediaTool, ffmpegArguments, planTranscode } from '@portico/media';
import { DEFAULT_TRANSCODE_PROFILES } from '@portico/settings';
import { ensureCommands } from '@portico/testing';

import type { BenchContext, Benchmark } from '../lib/benchmark';
import { round } from '../lib/output';
import { percentile } from '../lib/stats';

const run = promisify(execFile);
const CLIP_SECONDS = { full: 60, quick: 10 };
const REPETITIONS = { full: 5, quick: 3 };

/** A 1080p25 H.264 + AAC clip from ffmpeg's test sources (testsrc2 moves, so it is no trivial encode). */
async function generateClip(file: string, seconds: number): Promise<void> {
  await run('ffmpeg', [
    '-hide_banner', '-nostdin', '-loglevel', 'error',
    '-f', 'lavfi', '-i', `testsrc2=size=1920x1080:rate=25:duration=${seconds}`,
    '-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${seconds}`,
    '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p',
    '-c:a', 'aac', '-b:a', '192k', '-ac', '2', '-shortest',
    '-y', file,
  ]); // prettier-ignore
}

interface WorkerRun {
  readonly seconds: number;
  readonly probeSeconds: number;
  readonly args: readonly string[];
  readonly progressReports: number;
}

/** The worker path, timed from the probe to the rename of the proxy into place. */
async function workerRun(tool: FfmpegMediaTool, clip: string, output: string): Promise<WorkerRun> {
  const started = performance.now();
  const info = await tool.probe(clip);
  const probeSeconds = (performance.now() - started) / 1000;
  const proxy = planTranscode(info, DEFAULT_TRANSCODE_PROFILES).jobs.find((job) => job.name === 'proxy');
  if (!proxy) throw new Error(`no proxy planned for ${clip}: probed as ${info.formatName}`);
  let progressReports = 0;
  const result = await tool.run(proxy, clip, output, { onProgress: () => (progressReports += 1) });
  // What is compared must be what the builders make: fluent-ffmpeg assembled exactly that.
  const built = ffmpegArguments(proxy, clip, result.args.at(-1)!);
  if (built.join('\u0000') !== result.args.join('\u0000'))
    throw new Error(`the worker ran ${result.args.join(' ')}, not the built ${built.join(' ')}`);
  return { seconds: (performance.now() - started) / 1000, probeSeconds, args: result.args, progressReports };
}

/** The same ffmpeg binary and arguments, spawned directly; stdout (progress) goes to /dev/null. */
function bareRun(args: readonly string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn('ffmpeg', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-4000)));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const seconds = (performance.now() - started) / 1000;
      if (code === 0) resolve(seconds);
      else reject(new Error(`bare ffmpeg failed (${signal ?? `exit ${code}`}): ${stderr.trim()}`));
    });
  });
}

/** The worker's argument list with its output (the temp name, last) replaced. */
function withOutput(args: readonly string[], output: string): string[] {
  return [...args.slice(0, -1), output];
}

async function runTranscode({ quick, emit, log, lifecycle }: BenchContext): Promise<void> {
  ensureCommands([
    { command: 'ffmpeg', debianPackage: 'ffmpeg' },
    { command: 'ffprobe', debianPackage: 'ffmpeg' },
  ]);
  const seconds = quick ? CLIP_SECONDS.quick : CLIP_SECONDS.full;
  const repetitions = quick ? REPETITIONS.quick : REPETITIONS.full;
  const dir = mkdtempSync(path.join(tmpdir(), 'portico-bench-transcode-'));
  lifecycle.defer('remove the clip and outputs', () => rmSync(dir, { recursive: true, force: true }));
  const clip = path.join(dir, 'clip.mp4');
  log(`generating a ${seconds} s 1080p25 clip (testsrc2 + sine, H.264 + AAC)`);
  await generateClip(clip, seconds);
  log(`clip: ${((await stat(clip)).size / 1e6).toFixed(1)} MB`);

  const tool = new FfmpegMediaTool();
  const worker: WorkerRun[] = [];
  const bare: number[] = [];
  let args: readonly string[] | undefined;
  for (let repetition = 0; repetition < repetitions; repetition++) {
    const order = repetition % 2 === 0 ? (['worker', 'bare'] as const) : (['bare', 'worker'] as const);
    for (const which of order) {
      const output = path.join(dir, `${which}-${repetition}.mp4`);
      if (which === 'worker') {
        const result = await workerRun(tool, clip, output);
        args = result.args;
        worker.push(result);
        log(
          `worker #${repetition + 1}: ${result.seconds.toFixed(2)} s (probe ${result.probeSeconds.toFixed(3)} s)`,
        );
      } else {
        // The first repetition runs the worker first, so its argument list is known here.
        if (!args) throw new Error('the bare run needs the arguments of a worker run first');
        const elapsed = await bareRun(withOutput(args, output));
        bare.push(elapsed);
        log(`bare   #${repetition + 1}: ${elapsed.toFixed(2)} s`);
      }
      await rm(output, { force: true });
    }
  }
  log(`ffmpeg ${args?.join(' ')}`);

  const workerSeconds = percentile(
    worker.map((sample) => sample.seconds),
    50,
  );
  const bareSeconds = percentile(bare, 50);
  emit({ metric: 'worker_s', value: round(workerSeconds), unit: 's' });
  emit({ metric: 'bare_ffmpeg_s', value: round(bareSeconds), unit: 's' });
  emit({
    metric: 'worker_vs_bare_ffmpeg_ratio',
    value: round(workerSeconds / bareSeconds),
    unit: 'ratio',
    target: { op: '<=', value: 1.03 },
  });
  emit({
    metric: 'probe_s',
    value: round(
      percentile(
        worker.map((sample) => sample.probeSeconds),
        50,
      ),
    ),
    unit: 's',
  });
  emit({ metric: 'progress_reports', value: worker[0]?.progressReports ?? 0, unit: 'count' });
  emit({ metric: 'clip_seconds', value: seconds, unit: 's' });
  emit({ metric: 'repetitions', value: repetitions, unit: 'count' });
}

export const transcode: Benchmark = { run: runTranscode };
