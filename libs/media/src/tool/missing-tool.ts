// The error of a node without ffmpeg or ffprobe: it may be installed by the time of the retry, or
// another node that has it takes the job.
import { MediaProcessError, type MediaToolName } from '../run/errors';

export function missingTool(file: string, tool: MediaToolName, command: string): MediaProcessError {
  return new MediaProcessError(
    file,
    tool,
    `the ${tool} command ("${command}") was not found on this node: install ffmpeg 5.1 or later ` +
      '(Debian/Ubuntu: apt-get install ffmpeg; macOS: brew install ffmpeg) or configure the path of the binary',
  );
}
