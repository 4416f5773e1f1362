// Runs a command to completion and fails with its output, so a service that does not start says
// why (initdb, pg_ctl and pgbouncer print the reason on stderr or in their log).
import { execFile } from 'node:child_process';

export interface Command {
  command: string;
  args: string[];
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  timeoutMs?: number;
}

export function runCommand({ command, args }: Command, options: RunOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      {
        env: options.env ?? process.env,
        cwd: options.cwd,
        timeout: options.timeoutMs ?? 60_000,
        maxBuffer: 16 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        if (error) {
          reject(
            new Error(
              `\`${[command, ...args].join(' ')}\` failed: ${error.message.trim()}\n${stderr}${stdout}`.trim(),
            ),
          );
        } else {
          resolve(stdout);
        }
      },
    );
  });
}
