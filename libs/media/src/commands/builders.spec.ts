import { DEFAULT_TRANSCODE_PROFILES, type TranscodeProfiles } from '@portico/settings';
import type { MediaInfo, MediaStream } from '../probe/media-info';
import { fixtureInfo } from '../probe/fixtures';
import { audioProxyJob } from './audio-proxy';
import { GLOBAL_OPTIONS, decimal, ffmpegArguments } from './ffmpeg-job';
import { imageProxyJob } from './image-proxy';
import { keyframesJob } from './keyframes';
import { jobsFor, planTranscode } from './plan';
import { posterJob, posterSeekSeconds } from './poster';
import { videoProxyJob } from './video-proxy';

const profiles: TranscodeProfiles = DEFAULT_TRANSCODE_PROFILES;

/** clip.mp4 (640x360 + mono AAC) as if it were 1080p. */
function hd(): MediaInfo {
  const clip = fixtureInfo('clip');
  return { ...clip, streams: [{ ...clip.streams[0]!, width: 1920, height: 1080 }, clip.streams[1]!] };
}

function withoutAudio(info: MediaInfo): MediaInfo {
  return { ...info, streams: info.streams.filter((stream) => stream.type !== 'audio') };
}

/** The value after `option` in an argument list. */
function valueOf(args: readonly string[], option: string): string | undefined {
  const at = args.indexOf(option);
  return at >= 0 ? args[at + 1] : undefined;
}

describe('video proxy', () => {
  it('is H.264 at the profile bitrate + AAC in a fast-start MP4, fitted in the box', () => {
    const job = videoProxyJob(hd(), profiles.proxy);
    expect(job.inputOptions).toEqual(GLOBAL_OPTIONS);
    // prettier-ignore
    expect(job.outputOptions).toEqual([
      '-map', '0:0',
      '-map', '0:1',
      '-vf', 'scale=1280:720,setsar=1',
      '-c:v', 'libx264',
      '-preset', 'veryfast',
      '-pix_fmt', 'yuv420p',
      '-b:v', '3000k',
      '-maxrate', '3000k',
      '-bufsize', '6000k',
      '-force_key_frames', 'expr:gte(t,n_forced*2)',
      '-c:a', 'aac',
      '-b:a', '128k',
      '-ac', '1',
      '-movflags', '+faststart',
      '-f', 'mp4',
    ]);
    expect(job.output).toEqual({ type: 'file', name: 'proxy.mp4' });
    expect(job.mediaSeconds).toBe(10);
  });

  it('has no audio arguments when the source has no audio stream', () => {
    const args = videoProxyJob(withoutAudio(hd()), profiles.proxy).outputOptions;
    expect(args.filter((arg) => arg.startsWith('-map'))).toHaveLength(1);
    for (const option of ['-c:a', '-b:a', '-ac', '-ar', '-an']) expect(args).not.toContain(option);
  });

  it('follows the profile: box, bitrates', () => {
    const args = videoProxyJob(hd(), {
      ...profiles.proxy,
      width: 640,
      height: 480,
      videoBitrateKbps: 800,
      audioBitrateKbps: 64,
    }).outputOptions;
    expect(valueOf(args, '-vf')).toBe('scale=640:360,setsar=1');
    expect(valueOf(args, '-b:v')).toBe('800k');
    expect(valueOf(args, '-bufsize')).toBe('1600k');
    expect(valueOf(args, '-b:a')).toBe('64k');
  });

  it('uses the display size: rotated and anamorphic sources', () => {
    expect(valueOf(videoProxyJob(fixtureInfo('rotated'), profiles.proxy).outputOptions, '-vf')).toBe(
      'scale=360:640,setsar=1',
    );
    expect(valueOf(videoProxyJob(fixtureInfo('anamorphic'), profiles.proxy).outputOptions, '-vf')).toBe(
      'scale=768:576,setsar=1',
    );
  });

  it('deinterlaces an interlaced source', () => {
    expect(valueOf(videoProxyJob(fixtureInfo('interlaced'), profiles.proxy).outputOptions, '-vf')).toBe(
      'yadif=mode=send_frame:deint=interlaced,scale=720:576,setsar=1',
    );
  });

  it('downmixes to stereo and resamples above 48 kHz', () => {
    const info = hd();
    const surround: MediaStream = { ...info.streams[1]!, channels: 6, sampleRate: 192_000 };
    const args = videoProxyJob(
      { ...info, streams: [info.streams[0]!, surround] },
      profiles.proxy,
    ).outputOptions;
    expect(valueOf(args, '-ac')).toBe('2');
    expect(valueOf(args, '-ar')).toBe('48000');
  });

  it('maps the picture track, not cover art or a second video', () => {
    const info = hd();
    const art: MediaStream = { ...info.streams[0]!, index: 0, attachedPicture: true };
    const video: MediaStream = { ...info.streams[0]!, index: 2 };
    const args = videoProxyJob(
      { ...info, streams: [art, info.streams[1]!, video] },
      profiles.proxy,
    ).outputOptions;
    expect(args.slice(0, 4)).toEqual(['-map', '0:2', '-map', '0:1']);
  });

  it('refuses media without a picture track: a programming error, said plainly', () => {
    expect(() => videoProxyJob(fixtureInfo('tone'), profiles.proxy)).toThrow(
      'cannot build a video proxy for wav media without a picture stream of known size',
    );
  });
});

describe('keyframes', () => {
  it('skips non-keyframes in the decoder, before the input, and takes one per interval', () => {
    const job = keyframesJob(hd(), profiles.keyframes);
    expect(job.inputOptions).toEqual([...GLOBAL_OPTIONS, '-skip_frame', 'nokey']);
    // prettier-ignore
    expect(job.outputOptions).toEqual([
      '-map', '0:0',
      '-vf',
      "select='isnan(prev_selected_t)+gte(floor(t/10),floor(prev_selected_t/10)+1)',scale=640:360,setsar=1",
      '-fps_mode', 'passthrough',
      '-pix_fmt', 'yuvj420p',
      '-q:v', '3',
      '-f', 'image2',
    ]);
    expect(job.output).toEqual({ type: 'sequence', name: 'keyframes', pattern: 'keyframe-%05d.jpg' });
    expect(job.mediaSeconds).toBe(10);
  });

  it('puts -skip_frame before -i in the final command line', () => {
    const args = ffmpegArguments(keyframesJob(hd(), profiles.keyframes), '/in.mp4', '/out/keyframe-%05d.jpg');
    expect(args.indexOf('-skip_frame')).toBeLessThan(args.indexOf('-i'));
    expect(args.indexOf('-map')).toBeGreaterThan(args.indexOf('-i'));
    expect(args.at(-1)).toBe('/out/keyframe-%05d.jpg');
  });

  it('counts intervals from the start time of the container', () => {
    const vf = valueOf(
      keyframesJob(fixtureInfo('offset'), { ...profiles.keyframes, intervalSeconds: 2 }).outputOptions,
      '-vf',
    );
    expect(vf).toBe(
      "select='isnan(prev_selected_t)+gte(floor((t-2.8)/2),floor((prev_selected_t-2.8)/2)+1)',scale=320:240,setsar=1",
    );
    const early = { ...fixtureInfo('offset'), startSeconds: -0.04 };
    expect(valueOf(keyframesJob(early, profiles.keyframes).outputOptions, '-vf')).toContain(
      'floor((t+0.04)/10)',
    );
  });

  it('scales to the profile width', () => {
    expect(valueOf(keyframesJob(hd(), { ...profiles.keyframes, width: 320 }).outputOptions, '-vf')).toMatch(
      /,scale=320:180,setsar=1$/,
    );
  });
});

describe('poster', () => {
  it('seeks the input to offsetPercent of the duration and takes one scaled frame', () => {
    const job = posterJob(hd(), profiles.poster);
    expect(job.inputOptions).toEqual([...GLOBAL_OPTIONS, '-ss', '1']);
    // prettier-ignore
    expect(job.outputOptions).toEqual([
      '-map', '0:0',
      '-frames:v', '1',
      '-vf', 'scale=1280:720,setsar=1',
      '-pix_fmt', 'yuvj420p',
      '-q:v', '2',
      '-update', '1',
      '-f', 'image2',
    ]);
    expect(job.output).toEqual({ type: 'file', name: 'poster.jpg' });
  });

  it('does not seek at 0% or without a duration', () => {
    expect(posterJob(hd(), { ...profiles.poster, offsetPercent: 0 }).inputOptions).toEqual(GLOBAL_OPTIONS);
    expect(posterJob({ ...hd(), durationSeconds: undefined }, profiles.poster).inputOptions).toEqual(
      GLOBAL_OPTIONS,
    );
  });

  it('stays clear of the end, where no frame is left to take', () => {
    expect(posterSeekSeconds(10, 100)).toBe(9);
    expect(posterSeekSeconds(10, 50)).toBe(5);
    expect(posterSeekSeconds(1, 100)).toBe(0.5);
    expect(posterSeekSeconds(0.04, 100)).toBeCloseTo(0.02, 10);
    expect(posterSeekSeconds(undefined, 10)).toBe(0);
  });
});

describe('image proxy', () => {
  it('is one JPEG fitted in the proxy box, never upscaled', () => {
    const job = imageProxyJob(fixtureInfo('stillPng'), profiles.proxy);
    expect(job.inputOptions).toEqual(GLOBAL_OPTIONS);
    // prettier-ignore
    expect(job.outputOptions).toEqual([
      '-map', '0:0',
      '-frames:v', '1',
      '-vf', 'scale=800:600,setsar=1',
      '-pix_fmt', 'yuvj420p',
      '-q:v', '2',
      '-update', '1',
      '-f', 'image2',
    ]);
    expect(job.output).toEqual({ type: 'file', name: 'proxy.jpg' });
    const big = fixtureInfo('stillJpeg');
    const huge = { ...big, streams: [{ ...big.streams[0]!, width: 6000, height: 4000 }] };
    expect(valueOf(imageProxyJob(huge, profiles.proxy).outputOptions, '-vf')).toBe('scale=1080:720,setsar=1');
  });
});

describe('audio proxy', () => {
  it('is AAC in an .m4a, cover art left out', () => {
    const job = audioProxyJob(fixtureInfo('coverArt'), profiles.proxy);
    expect(job.inputOptions).toEqual(GLOBAL_OPTIONS);
    // prettier-ignore
    expect(job.outputOptions).toEqual([
      '-map', '0:0',
      '-c:a', 'aac',
      '-b:a', '128k',
      '-ac', '1',
      '-movflags', '+faststart',
      '-f', 'ipod',
    ]);
    expect(job.output).toEqual({ type: 'file', name: 'proxy.m4a' });
    expect(job.mediaSeconds).toBeCloseTo(3.03, 2);
  });
});

describe('planTranscode', () => {
  it('plans proxy, keyframes and poster for a video', () => {
    const plan = planTranscode(fixtureInfo('clip'), profiles);
    expect(plan.kind).toBe('video');
    expect(plan.jobs.map((job) => job.name)).toEqual(['proxy', 'keyframes', 'poster']);
    expect(plan.fingerprint).toMatch(/^[0-9a-f]{32}$/);
  });

  it('plans an audio proxy for audio, an image proxy for an image, nothing for the rest', () => {
    expect(planTranscode(fixtureInfo('tone'), profiles).jobs.map((job) => job.name)).toEqual(['audio-proxy']);
    expect(planTranscode(fixtureInfo('stillJpeg'), profiles).jobs.map((job) => job.name)).toEqual([
      'image-proxy',
    ]);
    expect(planTranscode(fixtureInfo('subtitles'), profiles)).toMatchObject({ kind: 'other', jobs: [] });
    expect(jobsFor('other', fixtureInfo('clip'), profiles)).toEqual([]);
  });
});

describe('decimal', () => {
  it('writes fixed-point numbers without trailing zeros or exponents', () => {
    expect(decimal(1)).toBe('1');
    expect(decimal(2.8)).toBe('2.8');
    expect(decimal(1e-7)).toBe('0');
    expect(decimal(1234.5678901)).toBe('1234.56789');
    expect(decimal(-0.0000001)).toBe('0');
  });
});
