import { ProgressParser, progressAdvanced } from './progress';

// Captured from `ffmpeg … -progress pipe:1` (ffmpeg 5.1) on a 10 s clip: the first and last blocks.
const FIRST_BLOCK = `frame=1
fps=0.00
stream_0_0_q=0.0
bitrate=   9.0kbits/s
total_size=48
out_time_us=42667
out_time_ms=42667
out_time=00:00:00.042667
dup_frames=0
drop_frames=0
speed=  23x
progress=continue
`;
const LAST_BLOCK = `frame=250
fps=0.00
stream_0_0_q=-1.0
bitrate= 317.8kbits/s
total_size=397454
out_time_us=10005333
out_time_ms=10005333
out_time=00:00:10.005333
dup_frames=0
drop_frames=0
speed=51.4x
progress=end
`;

describe('ProgressParser', () => {
  it('turns each block into a progress report with the percentage of the duration', () => {
    const parser = new ProgressParser(10);
    const [first] = parser.push(FIRST_BLOCK);
    expect(first).toEqual({
      outTimeSeconds: 0.042667,
      percent: 0.42667,
      frame: 1,
      totalSizeBytes: 48,
      speed: 23,
      done: false,
    });
    const [last] = parser.push(LAST_BLOCK);
    expect(last).toMatchObject({ outTimeSeconds: 10.005333, percent: 100, frame: 250, done: true });
  });

  it('joins lines split across chunks, byte by byte', () => {
    const parser = new ProgressParser(10);
    const reports = [...(FIRST_BLOCK + LAST_BLOCK)].flatMap((character) => parser.push(character));
    expect(reports.map((report) => report.frame)).toEqual([1, 250]);
  });

  it('has no percentage without a duration, and no time before the first frame', () => {
    const [report] = new ProgressParser(undefined).push(
      'frame=0\ntotal_size=N/A\nout_time_us=N/A\nout_time=N/A\nspeed=N/A\nprogress=continue\n',
    );
    expect(report).toEqual({ done: false, frame: 0 });
  });

  it('ignores the negative out_time ffmpeg prints before the first packet', () => {
    const [report] = new ProgressParser(10).push(
      'out_time_us=-577014\nout_time=-00:00:00.577014\nprogress=continue\n',
    );
    expect(report?.outTimeSeconds).toBeUndefined();
  });

  it('falls back to out_time when out_time_us is missing (older ffmpeg)', () => {
    const [report] = new ProgressParser(100).push('out_time=00:01:02.500000\nprogress=continue\n');
    expect(report).toMatchObject({ outTimeSeconds: 62.5, percent: 62.5 });
  });

  it('does not grow without bound on a line that never ends', () => {
    const parser = new ProgressParser(10);
    expect(parser.push('x'.repeat(10_000))).toEqual([]);
    expect(parser.push('\nframe=3\nprogress=continue\n')).toEqual([{ frame: 3, done: false }]);
  });
});

describe('progressAdvanced', () => {
  it('is true for the first report, for more time, frames or bytes, and for the end', () => {
    const at = { outTimeSeconds: 1, frame: 25, totalSizeBytes: 1000, done: false };
    expect(progressAdvanced(undefined, at)).toBe(true);
    expect(progressAdvanced(at, { ...at, outTimeSeconds: 1.04 })).toBe(true);
    expect(progressAdvanced(at, { ...at, frame: 26 })).toBe(true);
    expect(progressAdvanced(at, { ...at, totalSizeBytes: 1001 })).toBe(true);
    expect(progressAdvanced(at, { ...at, done: true })).toBe(true);
  });

  it('is false for a report that repeats the last one', () => {
    const at = { outTimeSeconds: 1, frame: 25, totalSizeBytes: 1000, done: false };
    expect(progressAdvanced(at, { ...at, speed: 0.5 })).toBe(false);
    expect(progressAdvanced({ done: false }, { done: false })).toBe(false);
  });
});
