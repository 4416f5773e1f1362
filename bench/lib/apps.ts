// Built Portico apps as child processes of the benchmark. Every process started here is killed
// at cleanup.
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ControlPlaneClient } from '@portico/control-plane-client';
import { AppProcess, listeningUrl } from '@portico/testing';

import type { Lifecycle } from './lifecycle';

// This file runs as dist/bench/lib/apps.js; `npm run bench` built the apps beside it.
const DIST = path.resolve(__dirname, '../..');
const REPO_ROOT = path.resolve(DIST, '..');

const live = new Set<AppProcess>();
/** The dist/ folder the apps start from: a private copy once prepareApps() ran. */
let appsDist = DIST;

/** Kills (SIGKILL) every process started here that is still running. */
export async function killAll(): Promise<void> {
  await Promise.all([...live].map((app) => app.stop('SIGKILL')));
}

/**
 * Registers the teardown of every process this module starts. Call it after the services
 * started, so that the apps are stopped before their database.
 */
export function manageProcesses(lifecycle: Lifecycle): void {
  lifecycle.defer('app processes', killAll);
}

/**
 * Copies the freshly built apps to a private folder to start them from (call once per run,
 * first). A benchmark restarts nodes for many minutes; a rebuild of dist/ meanwhile (which
 * deletes it first) must not break a restart half-way, nor change the code under measurement.
 */
export function prepareApps(lifecycle: Lifecycle): void {
  const copy = mkdtempSync(path.join(tmpdir(), 'portico-bench-apps-'));
  lifecycle.defer('apps copy', () => rmSync(copy, { recursive: true, force: true }));
  for (const folder of ['apps', 'libs'])
    cpSync(path.join(DIST, folder), path.join(copy, 'dist', folder), { recursive: true });
  // Packages resolve from the copy as they do from dist/.
  symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(copy, 'node_modules'), 'dir');
  appsDist = path.join(copy, 'dist');
}

export function startBuiltApp(app: string, env: NodeJS.ProcessEnv): AppProcess {
  const entry = path.join(appsDist, 'apps', app, 'src/main.js');
  if (!existsSync(entry))
    throw new Error(`${entry} is missing: run the benchmark with \`npm run bench\`, which builds first`);
  const base: NodeJS.ProcessEnv = {};
  // The benchmark decides every PORTICO_* value an app sees; nothing leaks in from the shell.
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('PORTICO_')) base[key] = value;
  const child = spawn(process.execPath, [entry], {
    cwd: REPO_ROOT,
    env: { ...base, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const handle = new AppProcess(app, child);
  live.add(handle);
  void handle.exited.then(() => live.delete(handle));
  return handle;
}

export interface ControlPlane {
  readonly process: AppProcess;
  readonly url: string;
  readonly admin: ControlPlaneClient;
}

export async function startControlPlane(databaseUrl: string, adminToken: string): Promise<ControlPlane> {
  const app = startBuiltApp('control-plane', {
    PORTICO_DATABASE_URL: databaseUrl,
    PORTICO_ADMIN_TOKEN: adminToken,
    PORTICO_HTTP_PORT: '0',
  });
  const url = await listeningUrl(app);
  return { process: app, url, admin: new ControlPlaneClient({ baseUrl: url, token: adminToken }) };
}

export interface RunningNode {
  readonly process: AppProcess;
  readonly url: string;
}

export async function startNodeProcess(app: string, env: NodeJS.ProcessEnv): Promise<RunningNode> {
  const handle = startBuiltApp(app, env);
  return { process: handle, url: await listeningUrl(handle) };
}
