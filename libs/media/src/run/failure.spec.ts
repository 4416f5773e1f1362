import { BAD_INPUT_CODES, failureReason, isBadInput, isBadInputCode, meaningfulLines } from './failure';

// stderr of ffmpeg 5.1 at -loglevel error, captured from real runs.
const TRUNCATED_MP4 =
  '[mov,mp4,m4a,3gp,3g2,mj2 @ 0x559d87ae78c0] moov atom not found\ntrunc.mp4: Invalid data found when processing input\n';
const OUTPUT_FOLDER_MISSING = '/nonexistent/x.mp4: No such file or directory\n';
const NO_SUCH_STREAM =
  "Stream map '0:5' matches no streams.\nTo ignore this, add a trailing '?' to the map.\n";
const NO_ENCODER = "Unknown encoder 'libnope'\n";
const BAD_SAMPLE_RATE =
  '[aac @ 0x5652bdadc380] Specified sample rate 192000 is not supported\n' +
  'Error initializing output stream 0:1 -- Error while opening encoder for output stream #0:1 - maybe incorrect parameters such as bit_rate, rate, width or height\n';

describe('failure reason', () => {
  it("is ffmpeg's last lines, without the pointer in component prefixes", () => {
    expect(meaningfulLines(TRUNCATED_MP4)).toEqual([
      '[mov,mp4,m4a,3gp,3g2,mj2] moov atom not found',
      'trunc.mp4: Invalid data found when processing input',
    ]);
    expect(failureReason(TRUNCATED_MP4)).toBe(
      '[mov,mp4,m4a,3gp,3g2,mj2] moov atom not found / trunc.mp4: Invalid data found when processing input',
    );
  });

  it('keeps the last four distinct lines of a long complaint', () => {
    const spam = Array.from(
      { length: 500 },
      (_, i) => `[h264 @ 0x1] error while decoding MB ${i % 3} 0`,
    ).join('\n');
    expect(
      meaningfulLines(`${spam}\nLast message repeated 5 times\nfile.mp4: Invalid data\nConversion failed!\n`),
    ).toEqual([
      '[h264] error while decoding MB 2 0',
      '[h264] error while decoding MB 0 0',
      '[h264] error while decoding MB 1 0',
      'file.mp4: Invalid data',
    ]);
  });

  it('is undefined when the tool printed nothing, and bounded when it printed a lot', () => {
    expect(failureReason('\n\n')).toBeUndefined();
    expect(failureReason(`${'x'.repeat(5000)}\n`)!.length).toBeLessThanOrEqual(601);
  });
});

describe('isBadInput', () => {
  it('blames the file for a missing moov atom or invalid data', () => {
    expect(isBadInput(TRUNCATED_MP4)).toBe(true);
    expect(isBadInput(NO_SUCH_STREAM)).toBe(true);
    expect(isBadInput('x.mov: Is a directory\n')).toBe(true);
  });

  it('blames the environment for missing paths, a missing encoder and I/O errors, even next to invalid data', () => {
    expect(isBadInput(OUTPUT_FOLDER_MISSING)).toBe(false);
    expect(isBadInput(NO_ENCODER)).toBe(false);
    expect(isBadInput(`${TRUNCATED_MP4}/nas/x.mp4: Input/output error\n`)).toBe(false);
  });

  it('does not guess: an unknown failure is not called permanent', () => {
    expect(isBadInput(BAD_SAMPLE_RATE)).toBe(false);
    expect(isBadInput('')).toBe(false);
  });
});

describe('isBadInputCode', () => {
  it("knows libavutil's codes for invalid data, end of file and missing decoders", () => {
    expect(isBadInputCode(-1094995529)).toBe(true); // AVERROR_INVALIDDATA, as ffprobe printed it
    expect([...BAD_INPUT_CODES.values()]).toEqual(
      expect.arrayContaining(['AVERROR_EOF', 'AVERROR_DECODER_NOT_FOUND', 'AVERROR_DEMUXER_NOT_FOUND']),
    );
    expect(BAD_INPUT_CODES.get(-541478725)).toBe('AVERROR_EOF');
  });

  it('leaves errno codes of the environment retryable', () => {
    for (const errno of [-2, -5, -13, -116]) expect(isBadInputCode(errno)).toBe(false); // ENOENT EIO EACCES ESTALE
  });
});
