import { PROBE_JSON, fixtureInfo as infoOf } from './fixtures';
import { parseProbeOutput } from './probe-parser';

describe('parseProbeOutput on real ffprobe JSON', () => {
  it('types the container and both streams of an MP4', () => {
    const info = infoOf('clip');
    expect(info).toMatchObject({
      formatName: 'mov,mp4,m4a,3gp,3g2,mj2',
      formatLongName: 'QuickTime / MOV',
      durationSeconds: 10,
      startSeconds: 0,
      sizeBytes: 395873,
    });
    expect(info.bitRate).toBeGreaterThan(300_000);
    expect(info.streams).toHaveLength(2);
    expect(info.streams[0]).toMatchObject({
      index: 0,
      type: 'video',
      codec: 'h264',
      width: 640,
      height: 360,
      fps: 25,
      pixelFormat: 'yuv420p',
      sampleAspectRatio: 1,
      rotation: 0,
      fieldOrder: 'progressive',
      frames: 250,
      durationSeconds: 10,
      isDefault: true,
      attachedPicture: false,
    });
    expect(info.streams[0]!.language).toBeUndefined();
    expect(info.streams[1]).toMatchObject({
      index: 1,
      type: 'audio',
      codec: 'aac',
      sampleRate: 48_000,
      channels: 1,
      channelLayout: 'mono',
    });
    expect(info.streams[1]!.fps).toBeUndefined();
  });

  it('reads the rotation from the display matrix', () => {
    expect(infoOf('rotated').streams[0]!.rotation).toBe(90);
  });

  it('reads a non-square sample aspect ratio', () => {
    expect(infoOf('anamorphic').streams[0]!.sampleAspectRatio).toBeCloseTo(16 / 15, 10);
  });

  it('keeps a non-zero start time (MPEG-TS)', () => {
    const info = infoOf('offset');
    expect(info.startSeconds).toBeCloseTo(2.8, 6);
    expect(info.formatName).toBe('mpegts');
  });

  it('flags cover art as an attached picture', () => {
    const info = infoOf('coverArt');
    expect(info.streams.map((stream) => [stream.type, stream.attachedPicture])).toEqual([
      ['audio', false],
      ['video', true],
    ]);
  });

  it('leaves unknown values undefined instead of inventing them (PNG: no duration, no size rate)', () => {
    const info = infoOf('stillPng');
    expect(info.durationSeconds).toBeUndefined();
    expect(info.formatName).toBe('png_pipe');
    expect(info.streams[0]).toMatchObject({ type: 'video', codec: 'png', width: 801, height: 601 });
  });

  it('parses PCM audio and subtitle-only files', () => {
    expect(infoOf('tone').streams[0]).toMatchObject({
      type: 'audio',
      codec: 'pcm_s16le',
      channels: 2,
      sampleRate: 44_100,
    });
    expect(infoOf('subtitles').streams[0]).toMatchObject({ type: 'subtitle', codec: 'subrip' });
  });

  it("returns ffprobe's error section with its AVERROR code", () => {
    expect(parseProbeOutput(JSON.stringify(PROBE_JSON.randomBytes))).toEqual({
      ok: false,
      error: { code: -1094995529, text: 'Invalid data found when processing input' },
    });
  });

  it('throws on output that is not ffprobe JSON, saying what it got', () => {
    expect(() => parseProbeOutput('')).toThrow('ffprobe printed output that is not JSON (nothing)');
    expect(() => parseProbeOutput('[1]')).toThrow('ffprobe printed JSON that is not an object');
    expect(() => parseProbeOutput('{"streams": []}')).toThrow('without a "format" section');
  });

  it('treats N/A, 0/0 rates and empty strings as unknown', () => {
    const output = parseProbeOutput(
      JSON.stringify({
        format: { format_name: 'x', duration: 'N/A', start_time: '', size: '12' },
        streams: [
          {
            index: 3,
            codec_type: 'video',
            avg_frame_rate: '0/0',
            r_frame_rate: '30000/1001',
            sample_aspect_ratio: '0:1',
            tags: { rotate: '-90' },
          },
        ],
      }),
    );
    expect(output.ok && output.info).toMatchObject({
      durationSeconds: undefined,
      startSeconds: 0,
      sizeBytes: 12,
    });
    const stream = output.ok ? output.info.streams[0] : undefined;
    expect(stream?.fps).toBeCloseTo(29.97, 2);
    expect(stream?.sampleAspectRatio).toBe(1);
    expect(stream?.rotation).toBe(270);
  });
});
