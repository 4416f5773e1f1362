import type { MediaKind } from './catalog-model';

// A first guess from the file name, so that lists are useful before ffprobe has run; the
// transcode worker's probe records the real kind with the media info.
const EXTENSIONS: ReadonlyArray<readonly [MediaKind, string]> = [
  ['video', 'mov mp4 m4v mxf mkv avi webm mts m2ts ts mpg mpeg wmv flv r3d braw ari dv 3gp ogv vob y4m'],
  ['audio', 'wav mp3 aac m4a flac aif aiff ogg oga opus wma ac3 bwf caf'],
  ['image', 'jpg jpeg png tif tiff gif bmp webp heic heif dpx exr psd cr2 cr3 nef arw dng tga avif'],
  ['other', 'txt pdf doc docx xls xlsx csv xml json srt vtt edl aaf fcpxml prproj zip tar gz md'],
];

const BY_EXTENSION: ReadonlyMap<string, MediaKind> = new Map(
  EXTENSIONS.flatMap(([kind, list]) => list.split(' ').map((ext) => [ext, kind] as const)),
);

/** video, audio, image or other by extension (case-insensitive); unknown when the extension says nothing. */
export function mediaKindOfPath(path: string): MediaKind {
  const name = path.slice(path.lastIndexOf('/') + 1);
  const dot = name.lastIndexOf('.');
  if (dot <= 0) return 'unknown';
  return BY_EXTENSION.get(name.slice(dot + 1).toLowerCase()) ?? 'unknown';
}

/** Whether the kind is worth transcoding (proxies, keyframes, poster). */
export function isMediaKind(kind: MediaKind): boolean {
  return kind === 'video' || kind === 'audio' || kind === 'image';
}
