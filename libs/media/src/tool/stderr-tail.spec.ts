import { StderrTail } from './stderr-tail';

describe('StderrTail', () => {
  it('keeps everything while small, across chunks', () => {
    const tail = new StderrTail();
    tail.push(Buffer.from('first line\nsec'));
    tail.push(Buffer.from('ond line\n'));
    expect(tail.text()).toBe('first line\nsecond line\n');
  });

  it('keeps only the last 64 KiB of a long complaint, with its final line', () => {
    const tail = new StderrTail();
    for (let i = 0; i < 20_000; i++) tail.push(Buffer.from(`[h264] error while decoding MB ${i}\n`));
    tail.push(Buffer.from('x.mp4: Invalid data found when processing input\n'));
    const text = tail.text();
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(64 * 1024);
    expect(text.endsWith('x.mp4: Invalid data found when processing input\n')).toBe(true);
    expect(text).toContain('error while decoding MB 19999\n');
    expect(text).not.toContain('MB 0\n');
  });
});
