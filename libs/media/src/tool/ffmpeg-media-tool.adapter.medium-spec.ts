// The MediaTool adapter against the real ffmpeg/ffprobe of the machine, on real files that the
// test makes with ffmpeg's lavfi sources (testsrc2 + sine), short so that the suite stays fast.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, open, readFile, readdir, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DEFAULT_TRANSCODE_PROFILES } from '@portico/settings';
import { ensureCommands } from '@portico/testing';
import { planTranscode, type TranscodePlan } from '../commands/plan';
import type { FfmpegJob, JobName } from '../commands/ffmpeg-job';
import type { ProcessStarted } from '../media-tool';
import type { MediaInfo } from '../probe/media-info';
import { MediaAbortedError, MediaInputError, MediaTimeoutError } from '../run/errors';
import type { MediaProgress } from '../run/progress';
import { FfmpegMediaTool } from './ffmpeg-media-tool.adapter';
import { processGroupAlive } from './process-supervisor.adapter';

const run = promisify(execFile);
const tool = new FfmpegMediaTool();
let root: string;
let clip: string;
let clipInfo: MediaInfo;
let plan: TranscodePlan;

/** Makes a media file with ffmpeg; the arguments go between the global options and the output. */
async function make(file: string, args: string[]): Promise<string> {
  await run('ffmpeg', ['-hide_banner', '-nostdin', '-loglevel', 'error', ...args, '-y', file]);
  return file;
}

function job(name: JobName, from: TranscodePlan = plan): FfmpegJob {
  const found = from.jobs.find((candidate) => candidate.name === name);
  if (!found) throw new Error(`the plan has no ${name} job`);
  return found;
}

/** A fresh, empty output folder. */
async function outputFolder(): Promise<string> {
  const folder = join(root, `out-${randomBytes(4).toString('hex')}`);
  await mkdir(folder);
  return folder;
}

/** What a rejected promise rejected with, failing the test if it resolved. */
async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection, but the promise resolved');
}

beforeAll(async () => {
  ensureCommands([
    { command: 'ffmpeg', debianPackage: 'ffmpeg' },
    { command: 'ffprobe', debianPackage: 'ffmpeg' },
  ]);
  root = await mkdtemp(join(tmpdir(), 'portico-media-'));
  // 1080p, 4 s, a keyframe every second (GOP 25), sound; moov at the end (no faststart), as
  // cameras and most tools write it, so that a truncated copy has no moov atom.
  // prettier-ignore
  clip = await make(join(root, 'clip.mp4'), [
    '-f', 'lavfi', '-i', 'testsrc2=size=1920x1080:rate=25:duration=4',
    '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000:duration=4',
    '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '25', '-pix_fmt', 'yuv420p',
    '-c:a', 'aac', '-shortest',
  ]);
  clipInfo = await tool.probe(clip);
  plan = planTranscode(clipInfo, DEFAULT_TRANSCODE_PROFILES);
});

afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

describe('outputs from real media', () => {
  it('probes the clip: container, duration, both streams', () => {
    expect(clipInfo.formatName).toBe('mov,mp4,m4a,3gp,3g2,mj2');
    expect(clipInfo.durationSeconds).toBeCloseTo(4, 1);
    expect(clipInfo.streams.map((stream) => [stream.type, stream.codec])).toEqual([
      ['video', 'h264'],
      ['audio', 'aac'],
    ]);
    expect(clipInfo.streams[0]).toMatchObject({ width: 1920, height: 1080, fps: 25 });
    expect(clipInfo.streams[1]).toMatchObject({ sampleRate: 48_000, channels: 1 });
    expect(plan.kind).toBe('video');
  });

  it('makes the video proxy: H.264 + AAC MP4 inside 1280x720 with even sides, with progress, no temp left', async () => {
    const folder = await outputFolder();
    const progress: MediaProgress[] = [];
    let started: ProcessStarted | undefined;
    const result = await tool.run(job('proxy'), clip, join(folder, 'proxy.mp4'), {
      onProgress: (report) => progress.push(report),
      onStart: (process) => (started = process),
    });

    expect(result.outputs).toEqual([join(folder, 'proxy.mp4')]);
    expect(await readdir(folder)).toEqual(['proxy.mp4']);
    const proxy = await tool.probe(join(folder, 'proxy.mp4'));
    const video = proxy.streams.find((stream) => stream.type === 'video');
    const audio = proxy.streams.find((stream) => stream.type === 'audio');
    expect(video).toMatchObject({ codec: 'h264', pixelFormat: 'yuv420p' });
    expect(audio).toMatchObject({ codec: 'aac' });
    expect(video!.width).toBeLessThanOrEqual(1280);
    expect(video!.height).toBeLessThanOrEqual(720);
    expect(video!.width! % 2).toBe(0);
    expect(video!.height! % 2).toBe(0);
    expect(proxy.durationSeconds).toBeCloseTo(4, 0);

    // ffmpeg ran with the job's arguments, writing a temp name in the output folder.
    expect(started?.pid).toBe(result.pid);
    expect(result.args.slice(0, job('proxy').inputOptions.length)).toEqual(job('proxy').inputOptions);
    expect(result.args.at(-1)).toMatch(new RegExp(`^${folder}/\\.proxy\\.mp4\\.portico-tmp-[0-9a-f]+$`));
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.at(-1)).toMatchObject({ done: true });
    expect(progress.at(-1)!.percent).toBeGreaterThan(95);
    expect(processGroupAlive(result.pid)).toBe(false);
  });

  it('makes keyframes: one per interval of the duration, numbered, scaled to the profile width', async () => {
    const folder = await outputFolder();
    const everyTwoSeconds = planTranscode(clipInfo, {
      ...DEFAULT_TRANSCODE_PROFILES,
      keyframes: { ...DEFAULT_TRANSCODE_PROFILES.keyframes, intervalSeconds: 2 },
    });
    const result = await tool.run(job('keyframes', everyTwoSeconds), clip, join(folder, 'keyframes'));

    const expected = Math.ceil(clipInfo.durationSeconds! / 2);
    expect(expected).toBe(2);
    expect(await readdir(join(folder, 'keyframes'))).toEqual(['keyframe-00001.jpg', 'keyframe-00002.jpg']);
    expect(result.outputs).toEqual([
      join(folder, 'keyframes', 'keyframe-00001.jpg'),
      join(folder, 'keyframes', 'keyframe-00002.jpg'),
    ]);
    expect(await readdir(folder)).toEqual(['keyframes']);
    const frame = await tool.probe(result.outputs[0]!);
    expect(frame.streams[0]).toMatchObject({ codec: 'mjpeg', width: 640, height: 360 });
  });

  it('replaces older keyframes of the same folder whole', async () => {
    const folder = await outputFolder();
    await mkdir(join(folder, 'keyframes'));
    await writeFile(join(folder, 'keyframes', 'keyframe-00099.jpg'), 'stale');
    await tool.run(job('keyframes'), clip, join(folder, 'keyframes'));
    expect(await readdir(join(folder, 'keyframes'))).toEqual(['keyframe-00001.jpg']);
    expect(await readdir(folder)).toEqual(['keyframes']);
  });

  it('makes the poster: one JPEG at the profile width', async () => {
    const folder = await outputFolder();
    const result = await tool.run(job('poster'), clip, join(folder, 'poster.jpg'));
    expect(await readdir(folder)).toEqual(['poster.jpg']);
    const poster = await tool.probe(result.outputs[0]!);
    expect(poster.streams[0]).toMatchObject({ codec: 'mjpeg', width: 1280, height: 720 });
  });

  it('makes an image proxy from a PNG with an alpha channel and odd sides', async () => {
    // prettier-ignore
    const png = await make(join(root, 'still.png'), [
      '-f', 'lavfi', '-i', 'testsrc2=size=801x601', '-frames:v', '1', '-pix_fmt', 'rgba',
    ]);
    const imagePlan = planTranscode(await tool.probe(png), DEFAULT_TRANSCODE_PROFILES);
    expect(imagePlan.kind).toBe('image');
    const folder = await outputFolder();
    const result = await tool.run(job('image-proxy', imagePlan), png, join(folder, 'proxy.jpg'));
    const proxy = await tool.probe(result.outputs[0]!);
    expect(proxy.streams[0]).toMatchObject({ codec: 'mjpeg', width: 800, height: 600 });
    expect(await readdir(folder)).toEqual(['proxy.jpg']);
  });

  it('makes an audio proxy from an audio-only file', async () => {
    // prettier-ignore
    const wav = await make(join(root, 'tone.wav'), [
      '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=96000:duration=3', '-ac', '2',
    ]);
    const audioPlan = planTranscode(await tool.probe(wav), DEFAULT_TRANSCODE_PROFILES);
    expect(audioPlan.kind).toBe('audio');
    const folder = await outputFolder();
    const result = await tool.run(job('audio-proxy', audioPlan), wav, join(folder, 'proxy.m4a'));
    const proxy = await tool.probe(result.outputs[0]!);
    expect(proxy.streams).toHaveLength(1);
    expect(proxy.streams[0]).toMatchObject({ type: 'audio', codec: 'aac', channels: 2 });
    expect(proxy.durationSeconds).toBeCloseTo(3, 0);
  });
});

describe('bad input is a permanent error with ffmpeg’s own reason', () => {
  it('a truncated MP4', async () => {
    const truncated = join(root, 'truncated.mp4');
    await run('cp', [clip, truncated]);
    await truncate(truncated, Math.floor((await stat(clip)).size / 2));

    const probeError = await rejection(tool.probe(truncated));
    expect(probeError).toBeInstanceOf(MediaInputError);
    expect(probeError).toMatchObject({ permanent: true, tool: 'ffprobe' });
    expect((probeError as MediaInputError).reason).toContain('moov atom not found');

    const folder = await outputFolder();
    const runError = await rejection(tool.run(job('proxy'), truncated, join(folder, 'proxy.mp4')));
    expect(runError).toBeInstanceOf(MediaInputError);
    expect(runError).toMatchObject({ permanent: true, tool: 'ffmpeg' });
    expect(runError.message).toContain('moov atom not found');
    expect(runError.message).toContain(truncated);
    expect(await readdir(folder)).toEqual([]);
  });

  it('random bytes named .mov', async () => {
    const fake = join(root, 'random.mov');
    await writeFile(fake, randomBytes(256 * 1024));
    const error = await rejection(tool.probe(fake));
    expect(error).toBeInstanceOf(MediaInputError);
    expect((error as MediaInputError).reason).toMatch(/Invalid data found when processing input/);

    const folder = await outputFolder();
    const runError = await rejection(tool.run(job('poster'), fake, join(folder, 'poster.jpg')));
    expect(runError).toMatchObject({ permanent: true, name: 'MediaInputError' });
    expect(await readdir(folder)).toEqual([]);
  });

  it('a zero-byte file', async () => {
    const empty = join(root, 'empty.mp4');
    await writeFile(empty, '');
    const error = await rejection(tool.probe(empty));
    expect(error).toBeInstanceOf(MediaInputError);
    expect(error).toMatchObject({ permanent: true, reason: 'the file is empty (0 bytes)' });

    const folder = await outputFolder();
    const runError = await rejection(tool.run(job('keyframes'), empty, join(folder, 'keyframes')));
    expect(runError).toBeInstanceOf(MediaInputError);
    expect(await readdir(folder)).toEqual([]);
  });
});

describe('a hung input (a FIFO nobody writes to) is killed with its process group', () => {
  let fifo: string;

  beforeAll(async () => {
    fifo = join(root, 'hung.mov');
    await run('mkfifo', [fifo]);
  });

  /**
   * Records the process as it starts, and whether it then led a process group of its own (an
   * exception inside onStart would be dropped by the tool, so the check is asserted afterwards).
   */
  function watchStart(): { started: () => ProcessStarted; onStart: (process: ProcessStarted) => void } {
    let started: ProcessStarted | undefined;
    let ownGroup = false;
    return {
      started: () => {
        if (!started) throw new Error('the tool never started');
        expect(ownGroup).toBe(true);
        return started;
      },
      onStart: (process) => {
        ownGroup = processGroupAlive(process.pid);
        started = process;
      },
    };
  }

  it('ffprobe, by its time limit', async () => {
    const watch = watchStart();
    const error = await rejection(
      tool.probe(fifo, { limits: { probeTimeoutMs: 1_000 }, onStart: watch.onStart }),
    );
    expect(error).toBeInstanceOf(MediaTimeoutError);
    expect(error).toMatchObject({
      permanent: false,
      tool: 'ffprobe',
      kind: 'wall-clock',
      pid: watch.started().pid,
    });
    expect(processGroupAlive(watch.started().pid)).toBe(false);
  });

  it('ffmpeg, by the no-progress watchdog, leaving no temp output', async () => {
    const folder = await outputFolder();
    const watch = watchStart();
    const error = await rejection(
      tool.run(job('keyframes'), fifo, join(folder, 'keyframes'), {
        limits: { stallMs: 1_000 },
        onStart: watch.onStart,
      }),
    );
    expect(error).toBeInstanceOf(MediaTimeoutError);
    expect(error).toMatchObject({ permanent: false, tool: 'ffmpeg', kind: 'stalled', limitMs: 1_000 });
    expect(error.message).toContain(`pid ${watch.started().pid}`);
    expect(processGroupAlive(watch.started().pid)).toBe(false);
    expect(await readdir(folder)).toEqual([]);
  });

  it('ffmpeg, by the wall-clock limit', async () => {
    const folder = await outputFolder();
    const watch = watchStart();
    const error = await rejection(
      tool.run(job('proxy'), fifo, join(folder, 'proxy.mp4'), {
        limits: { wallClockBaseMs: 1_000, wallClockPerMediaSecond: 0.001, stallMs: 60_000 },
        onStart: watch.onStart,
      }),
    );
    expect(error).toBeInstanceOf(MediaTimeoutError);
    expect(error).toMatchObject({ kind: 'wall-clock' });
    expect((error as MediaTimeoutError).limitMs).toBeLessThan(1_100);
    expect(processGroupAlive(watch.started().pid)).toBe(false);
    expect(await readdir(folder)).toEqual([]);
  });
});

describe('the abort signal', () => {
  it('stops a running transcode: process group killed, partial output removed', async () => {
    // The clip as MPEG-TS, fed through a FIFO that stays open: ffmpeg transcodes what it gets, then
    // waits for more, so it is still running when the abort comes, however fast the machine.
    const stream = await make(join(root, 'clip.ts'), ['-i', clip, '-map', '0', '-c', 'copy', '-f', 'mpegts']);
    const fifo = join(root, 'live.ts');
    await run('mkfifo', [fifo]);
    const controller = new AbortController();
    const aborted = new Promise((resolve) =>
      controller.signal.addEventListener('abort', resolve, { once: true }),
    );
    const writer = (async () => {
      const handle = await open(fifo, 'w');
      try {
        await handle.write(await readFile(stream));
        await aborted;
      } catch {
        // EPIPE once ffmpeg is killed.
      } finally {
        await handle.close();
      }
    })();

    const folder = await outputFolder();
    const watch: { pid?: number; tempSeen?: boolean } = {};
    const error = await rejection(
      tool.run(job('proxy'), fifo, join(folder, 'proxy.mp4'), {
        signal: controller.signal,
        onStart: (process) => (watch.pid = process.pid),
        onProgress: (progress) => {
          if (watch.tempSeen !== undefined || !progress.frame) return;
          // ffmpeg is writing: its temp output exists beside the final name.
          watch.tempSeen = false;
          void readdir(folder).then((names) => {
            watch.tempSeen = names.some((name) => name.startsWith('.proxy.mp4.portico-tmp-'));
            controller.abort(new Error('job cancelled'));
          });
        },
      }),
    );
    await writer;
    expect(error).toBeInstanceOf(MediaAbortedError);
    expect(error).toMatchObject({ permanent: false, pid: watch.pid });
    expect((error as MediaAbortedError).cause).toEqual(new Error('job cancelled'));
    expect(watch.tempSeen).toBe(true);
    expect(processGroupAlive(watch.pid!)).toBe(false);
    expect(await readdir(folder)).toEqual([]);
  });

  it('already aborted: nothing starts', async () => {
    const folder = await outputFolder();
    let started = false;
    const error = await rejection(
      tool.run(job('poster'), clip, join(folder, 'poster.jpg'), {
        signal: AbortSignal.abort(),
        onStart: () => (started = true),
      }),
    );
    expect(error).toBeInstanceOf(MediaAbortedError);
    expect(started).toBe(false);
    expect(await readdir(folder)).toEqual([]);
  });
});
