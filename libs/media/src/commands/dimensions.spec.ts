import { fixtureInfo } from '../probe/fixtures';
import { displaySize, fitInside } from './dimensions';

describe('displaySize', () => {
  it('is the stored size for square pixels', () => {
    expect(displaySize(fixtureInfo('clip').streams[0]!)).toEqual({ width: 640, height: 360 });
  });

  it('stretches by the sample aspect ratio', () => {
    expect(displaySize(fixtureInfo('anamorphic').streams[0]!)).toEqual({ width: 768, height: 576 });
  });

  it('turns for a 90° display matrix', () => {
    expect(displaySize(fixtureInfo('rotated').streams[0]!)).toEqual({ width: 360, height: 640 });
  });

  it('is unknown without dimensions', () => {
    expect(displaySize(fixtureInfo('tone').streams[0]!)).toBeUndefined();
  });
});

describe('fitInside', () => {
  const box = { width: 1280, height: 720 };

  it('scales 1080p down to the box exactly', () => {
    expect(fitInside({ width: 1920, height: 1080 }, box)).toEqual({ width: 1280, height: 720 });
  });

  it('keeps the aspect ratio: width-bound and height-bound sources', () => {
    expect(fitInside({ width: 2048, height: 858 }, box)).toEqual({ width: 1280, height: 536 });
    expect(fitInside({ width: 1080, height: 1920 }, box)).toEqual({ width: 406, height: 720 });
  });

  it('never upscales', () => {
    expect(fitInside({ width: 640, height: 360 }, box)).toEqual({ width: 640, height: 360 });
  });

  it('makes odd sizes even without going above the source', () => {
    expect(fitInside({ width: 801, height: 601 }, box)).toEqual({ width: 800, height: 600 });
  });

  it('bounds only the width when the box has no height', () => {
    expect(fitInside({ width: 1920, height: 1080 }, { width: 640 })).toEqual({ width: 640, height: 360 });
    expect(fitInside({ width: 1080, height: 1920 }, { width: 640 })).toEqual({ width: 640, height: 1138 });
  });

  it('gives even sizes inside the box for every source from 1x1 to 4000 wide', () => {
    for (let width = 1; width <= 4000; width += 7) {
      for (const height of [1, 3, 719, 720, 721, 1080, 2161]) {
        const size = fitInside({ width, height }, box);
        expect(size.width % 2).toBe(0);
        expect(size.height % 2).toBe(0);
        expect(size.width).toBeLessThanOrEqual(Math.max(2, Math.min(width, box.width)));
        expect(size.height).toBeLessThanOrEqual(Math.max(2, Math.min(height, box.height)));
      }
    }
  });
});
