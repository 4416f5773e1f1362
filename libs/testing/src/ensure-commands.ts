// For tests that need an extra system command (docker-compose, ffmpeg, ...): the same rule as the
// harness services — install it when running as root with apt-get, otherwise fail with the one
// command that fixes it. A test is never skipped because a tool is missing.
import { execFileSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

export interface RequiredCommand {
  command: string;
  /** The Debian package that provides it. */
  debianPackage: string;
}

function onPath(command: string): boolean {
  return (process.env.PATH ?? '')
    .split(delimiter)
    .filter(Boolean)
    .some((dir) => {
      try {
        accessSync(join(dir, command), constants.X_OK);
        return true;
      } catch {
        return false;
      }
    });
}

export function ensureCommands(required: RequiredCommand[]): void {
  const missing = required.filter((entry) => !onPath(entry.command));
  if (missing.length === 0) return;
  const packages = [...new Set(missing.map((entry) => entry.debianPackage))];
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot || !onPath('apt-get')) {
    throw new Error(
      `This test needs ${missing.map((entry) => entry.command).join(', ')}, which is not installed. ` +
        `Install it (Debian/Ubuntu: sudo apt-get update && sudo apt-get install -y ${packages.join(' ')}) and run the tests again.`,
    );
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update'], { env, stdio: 'ignore', timeout: 600_000 });
  execFileSync('apt-get', ['install', '-y', '--no-install-recommends', ...packages], {
    env,
    stdio: 'ignore',
    timeout: 900_000,
  });
  const still = missing.filter((entry) => !onPath(entry.command));
  if (still.length > 0)
    throw new Error(
      `apt-get installed ${packages.join(' ')} but ${still.map((entry) => entry.command).join(', ')} is still missing`,
    );
}
