// What ffprobe tells about a file, typed: the container and its streams. Built by
// parseProbeOutput() from ffprobe's JSON; everything the command builders decide on is here.

export type StreamType = 'video' | 'audio' | 'subtitle' | 'data' | 'attachment' | 'unknown';

export interface MediaStream {
  /** The stream's index in the container: what `-map 0:<index>` selects. */
  readonly index: number;
  readonly type: StreamType;
  /** ffmpeg's codec name (`h264`, `aac`, `mjpeg`); undefined when ffprobe does not know it. */
  readonly codec?: string;
  readonly profile?: string;
  /** Bits per second. */
  readonly bitRate?: number;
  readonly durationSeconds?: number;
  /** Frames (video) or packets (audio) as the container declares them; often absent. */
  readonly frames?: number;
  readonly language?: string;
  readonly isDefault: boolean;
  /** A picture attached to an audio file (cover art), not a video track. */
  readonly attachedPicture: boolean;
  // Video.
  readonly width?: number;
  readonly height?: number;
  /** Average frames per second (real frame rate when the average is unknown). */
  readonly fps?: number;
  readonly pixelFormat?: string;
  /** Pixel width / pixel height; 1 for square pixels and when unknown. */
  readonly sampleAspectRatio: number;
  /** Display rotation from the display matrix, normalized to 0, 90, 180 or 270. */
  readonly rotation: number;
  /** `progressive`, `tt`, `bb`, `tb`, `bt` or undefined when unknown. */
  readonly fieldOrder?: string;
  // Audio.
  readonly sampleRate?: number;
  readonly channels?: number;
  readonly channelLayout?: string;
}

export interface MediaInfo {
  /** ffmpeg's demuxer names, comma-separated: `mov,mp4,m4a,3gp,3g2,mj2`, `matroska,webm`, `image2`. */
  readonly formatName: string;
  readonly formatLongName?: string;
  readonly durationSeconds?: number;
  /** Timestamp of the first frame; ffmpeg's `t` and seeks count from it. 0 when unknown. */
  readonly startSeconds: number;
  /** Bits per second over the whole file. */
  readonly bitRate?: number;
  readonly sizeBytes?: number;
  readonly streams: readonly MediaStream[];
}
