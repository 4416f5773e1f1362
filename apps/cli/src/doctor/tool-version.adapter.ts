import { execFile } from 'node:child_process';
import type { ToolProbe } from './doctor-report';

/** Runs `<tool> -version` and keeps its first line ("ffmpeg version 5.1.6-0+deb12u1 …"). */
export function toolVersion(tool: string, timeoutMs = 10_000): Promise<ToolProbe> {
  return new Promise((resolve) => {
    execFile(tool, ['-version'], { timeout: timeoutMs }, (error, stdout) => {
      if (error) {
        const code = (error as NodeJS.ErrnoException).code;
        resolve({ found: false, missing: code === 'ENOENT', error: error.message.split('\n')[0] ?? '' });
        return;
      }
      resolve({ found: true, firstLine: stdout.split('\n')[0]?.trim() || `${tool} answered -version` });
    });
  });
}
