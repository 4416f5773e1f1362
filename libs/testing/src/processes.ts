import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';

/** The workspace root: the nearest folder up whose package.json is Portico's (from source or from dist/). */
function findRepoRoot(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (
      existsSync(manifest) &&
      (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'portico'
    )
      return dir;
    if (dir === path.dirname(dir)) throw new Error(`no Portico package.json above ${__dirname}`);
  }
}

const REPO_ROOT = findRepoRoot();

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A built Portico app (or the `portico` command) running as a real child process. */
export class AppProcess {
  readonly stdout: string[] = [];
  readonly stderr: string[] = [];
  readonly exited: Promise<ExitStatus>;
  private readonly waiters = new Set<() => void>();

  constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    for (const [stream, lines] of [
      [child.stdout!, this.stdout],
      [child.stderr!, this.stderr],
    ] as const) {
      createInterface({ input: stream }).on('line', (line) => {
        lines.push(line);
        for (const wake of this.waiters) wake();
      });
    }
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    void this.exited.then(() => {
      for (const wake of this.waiters) wake();
    });
  }

  get pid(): number {
    return this.child.pid!;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Structured (pino) log lines printed so far. */
  logs(): Array<Record<string, unknown>> {
    return this.stdout.flatMap((line) => {
      try {
        return [JSON.parse(line) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
  }

  /** Waits until a stdout line matches; fails with the output so far if it exits or times out. */
  waitForLine(match: RegExp | ((line: string) => boolean), timeoutMs = 30_000): Promise<string> {
    const test = typeof match === 'function' ? match : (line: string) => match.test(line);
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const line = this.stdout.find(test);
        if (line !== undefined) return done(() => resolve(line));
        if (!this.running)
          return done(() =>
            reject(new Error(`${this.name} exited before printing ${String(match)}\n${this.output()}`)),
          );
      };
      const timer = setTimeout(
        () =>
          done(() =>
            reject(
              new Error(`${this.name} did not print ${String(match)} in ${timeoutMs} ms\n${this.output()}`),
            ),
          ),
        timeoutMs,
      );
      const done = (finish: () => void): void => {
        clearTimeout(timer);
        this.waiters.delete(check);
        finish();
      };
      this.waiters.add(check);
      check();
    });
  }

  /** Sends a signal and waits for the exit; SIGKILLs after `timeoutMs`. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 30_000): Promise<ExitStatus> {
    if (this.running) this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  output(): string {
    return [...this.stdout.map((line) => `out| ${line}`), ...this.stderr.map((line) => `err| ${line}`)]
      .slice(-60)
      .join('\n');
  }
}

/** Starts `dist/apps/<app>/src/main.js` (built by `npm test` before jest runs). */
export function startApp(
  app: string,
  options: { env?: NodeJS.ProcessEnv; cwd?: string; args?: string[] } = {},
): AppProcess {
  const entry = path.join(REPO_ROOT, 'dist/apps', app, 'src/main.js');
  if (!existsSync(entry))
    throw new Error(
      `${entry} is missing: build first (\`npm run build\`; \`npm test\` builds before running)`,
    );
  const env: NodeJS.ProcessEnv = {};
  // A test decides every PORTICO_* value the app sees; nothing leaks in from the outer shell.
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('PORTICO_')) env[key] = value;
  const child = spawn(process.execPath, [entry, ...(options.args ?? [])], {
    cwd: options.cwd ?? REPO_ROOT,
    env: { ...env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new AppProcess(app, child);
}

/** Fetches JSON from a running app; returns the status and the parsed body. */
export async function getJson(url: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
  const text = await response.text();
  try {
    return { status: response.status, body: JSON.parse(text) as unknown };
  } catch {
    return { status: response.status, body: text };
  }
}
