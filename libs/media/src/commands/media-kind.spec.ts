import { fixtureInfo, type MediaFixture } from '../probe/fixtures';
import { mediaKind, primaryVideoStream } from './media-kind';

describe('mediaKind from real probe output', () => {
  it.each<[MediaFixture, string]>([
    ['clip', 'video'],
    ['rotated', 'video'],
    ['anamorphic', 'video'],
    ['interlaced', 'video'],
    ['offset', 'video'],
    ['animatedGif', 'video'],
    ['stillJpeg', 'image'],
    ['stillPng', 'image'],
    ['tone', 'audio'],
    ['coverArt', 'audio'],
    ['subtitles', 'other'],
  ])('%s is %s', (fixture, kind) => {
    expect(mediaKind(fixtureInfo(fixture))).toBe(kind);
  });

  it('never takes cover art for the picture track', () => {
    expect(primaryVideoStream(fixtureInfo('coverArt'))).toBeUndefined();
  });

  it('takes a single-frame video without sound for an image, and with sound for a video', () => {
    const clip = fixtureInfo('clip');
    const oneFrame = { ...clip, streams: [{ ...clip.streams[0]!, frames: 1 }] };
    expect(mediaKind(oneFrame)).toBe('image');
    expect(mediaKind({ ...oneFrame, streams: [...oneFrame.streams, clip.streams[1]!] })).toBe('video');
  });

  it('prefers the stream flagged default', () => {
    const clip = fixtureInfo('clip');
    const video = clip.streams[0]!;
    const info = {
      ...clip,
      streams: [
        { ...video, isDefault: false },
        { ...video, index: 5, isDefault: true },
      ],
    };
    expect(primaryVideoStream(info)?.index).toBe(5);
  });
});
