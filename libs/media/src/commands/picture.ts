// Pieces shared by the builders that output pictures.
import type { MediaStream } from '../probe/media-info';
import type { Size } from './dimensions';

/** JPEG at full-range 4:2:0, whatever the source (RGBA PNG included), for one look and size. */
export const JPEG_OPTIONS: readonly string[] = Object.freeze(['-pix_fmt', 'yuvj420p']);

const INTERLACED = new Set(['tt', 'bb', 'tb', 'bt']);

/**
 * Scale to `size` with square pixels, after deinterlacing an interlaced source when asked
 * (frames flagged progressive pass through yadif untouched).
 */
export function pictureFilters(stream: MediaStream, size: Size, options: { deinterlace: boolean }): string {
  const filters: string[] = [];
  if (options.deinterlace && stream.fieldOrder && INTERLACED.has(stream.fieldOrder))
    filters.push('yadif=mode=send_frame:deint=interlaced');
  filters.push(`scale=${size.width}:${size.height}`, 'setsar=1');
  return filters.join(',');
}
