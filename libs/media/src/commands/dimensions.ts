// Output sizes are computed here rather than left to scale-filter expressions, so they are unit-
// tested and known before ffmpeg runs. ffmpeg auto-rotates by the display matrix before our
// filters, and we output square pixels, so the size that matters is the display size.
import type { MediaStream } from '../probe/media-info';

export interface Size {
  readonly width: number;
  readonly height: number;
}

/** The picture as shown: stored width stretched by the pixel aspect ratio, turned for 90°/270°. */
export function displaySize(stream: MediaStream): Size | undefined {
  if (!stream.width || !stream.height) return undefined;
  const width = stream.width * stream.sampleAspectRatio;
  const turned = stream.rotation === 90 || stream.rotation === 270;
  return turned ? { width: stream.height, height: width } : { width, height: stream.height };
}

/**
 * The largest size with the source's aspect ratio inside `box` (no height: only the width
 * bounds), never larger than the source, with even dimensions (H.264 4:2:0 and JPEG 4:2:0
 * need them), at least 2×2.
 */
export function fitInside(source: Size, box: { readonly width: number; readonly height?: number }): Size {
  const scale = Math.min(1, box.width / source.width, box.height ? box.height / source.height : 1);
  return {
    width: even(source.width * scale, Math.min(source.width, box.width)),
    height: even(source.height * scale, Math.min(source.height, box.height ?? Infinity)),
  };
}

/** The nearest even integer not above `limit`, at least 2. */
function even(value: number, limit: number): number {
  const nearest = 2 * Math.round(value / 2);
  return Math.max(2, nearest > limit ? nearest - 2 : nearest);
}
