import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';

export interface LocalS3Options {
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  directory: string;
  buckets?: string[];
  startTimeoutMs?: number;
}

export interface LocalS3 {
  endpoint: string;
  port: number;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  pid: number;
  stop(): Promise<void>;
}

/** s3rver accepts exactly these credentials. */
const CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
/** The endpoint's process script: `node --openssl-legacy-provider <script> <host> <port> <dir> [--pid-file f] [bucket…]`. */
export const LOCAL_S3_SCRIPT = path.join(__dirname, 's3rver.process.cjs');

/**
 * Starts a local S3-compatible endpoint (for `portico up` and tests) as a child process with
 * its data under `directory`; resolves once it accepts requests.
 */
export async function startLocalS3(options: LocalS3Options): Promise<LocalS3> {
  const host = options.host ?? '127.0.0.1';
  mkdirSync(options.directory, { recursive: true });
  const child = spawn(
    process.execPath,
    [
      '--openssl-legacy-provider',
      LOCAL_S3_SCRIPT,
      host,
      String(options.port ?? 0),
      options.directory,
      ...(options.buckets ?? []),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const port = await waitForReady(child, options.startTimeoutMs ?? 15_000);
  return {
    endpoint: `http://${host}:${port}`,
    port,
    region: 'us-east-1',
    ...CREDENTIALS,
    pid: child.pid!,
    stop: () => stopChild(child),
  };
}

function waitForReady(child: ChildProcess, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(
          `local S3 endpoint did not start within ${timeoutMs} ms${stderr ? `: ${stderr.trim()}` : ''}`,
        ),
      );
    }, timeoutMs);
    createInterface({ input: child.stdout! }).once('line', (line) => {
      clearTimeout(timer);
      try {
        resolve((JSON.parse(line) as { port: number }).port);
      } catch {
        reject(new Error(`local S3 endpoint printed an unexpected line: ${line}`));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`local S3 endpoint exited with code ${code}${stderr ? `: ${stderr.trim()}` : ''}`));
    });
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
