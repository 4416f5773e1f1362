import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ControlPlaneClient } from '@portico/control-plane-client';

/**
 * Where the `portico` command finds its control plane (like a kubeconfig): flags first, then
 * PORTICO_CONTROL_PLANE_URL / PORTICO_ADMIN_TOKEN, then the context file that `portico up`
 * writes (`./var/context.json`, or PORTICO_CONTEXT).
 */
export interface CliContext {
  controlPlaneUrl: string;
  token: string;
  clusterId?: string;
}

export interface ContextFlags {
  controlPlaneUrl?: string;
  token?: string;
  cluster?: string;
  context?: string;
}

export const DEFAULT_CONTEXT_FILE = path.join('var', 'context.json');

export function writeContext(file: string, context: CliContext): void {
  writeFileSync(file, `${JSON.stringify(context, null, 2)}\n`, { mode: 0o600 });
}

export function loadContext(flags: ContextFlags, env: NodeJS.ProcessEnv = process.env): CliContext {
  const file = flags.context ?? env.PORTICO_CONTEXT ?? DEFAULT_CONTEXT_FILE;
  let fromFile: Partial<CliContext> = {};
  if (existsSync(file)) fromFile = JSON.parse(readFileSync(file, 'utf8')) as Partial<CliContext>;
  else if (flags.context ?? env.PORTICO_CONTEXT) throw new Error(`context file ${file} not found`);
  const controlPlaneUrl = flags.controlPlaneUrl ?? env.PORTICO_CONTROL_PLANE_URL ?? fromFile.controlPlaneUrl;
  const token = flags.token ?? env.PORTICO_ADMIN_TOKEN ?? fromFile.token;
  if (!controlPlaneUrl || !token) {
    throw new Error(
      'no control plane given: pass --control-plane-url and --token (or set PORTICO_CONTROL_PLANE_URL and PORTICO_ADMIN_TOKEN), or run it where `portico up` wrote var/context.json',
    );
  }
  return { controlPlaneUrl, token, clusterId: flags.cluster ?? fromFile.clusterId };
}

export function clientFor(context: CliContext): ControlPlaneClient {
  return new ControlPlaneClient({
    baseUrl: context.controlPlaneUrl,
    token: context.token,
    timeoutMs: 10_000,
  });
}

/** The cluster a command acts on: by id or name; the only one when there is just one. */
export async function resolveCluster(
  client: ControlPlaneClient,
  wanted: string | undefined,
): Promise<{ id: string; name: string }> {
  const { items } = await client.listClusters();
  if (wanted) {
    const found = items.find((cluster) => cluster.id === wanted || cluster.name === wanted);
    if (!found)
      throw new Error(
        `no cluster ${wanted}; clusters: ${items.map((cluster) => cluster.name).join(', ') || 'none'}`,
      );
    return found;
  }
  if (items.length === 1) return items[0]!;
  if (items.length === 0)
    throw new Error('no cluster exists yet (create one with the API, or run `portico up`)');
  throw new Error(
    `several clusters exist; choose one with --cluster (${items.map((cluster) => cluster.name).join(', ')})`,
  );
}

export async function resolveNode(client: ControlPlaneClient, clusterId: string, wanted: string) {
  const { items } = await client.listNodes(clusterId);
  const found = items.find((node) => node.id === wanted || node.name === wanted);
  if (!found)
    throw new Error(
      `no node ${wanted} in this cluster; nodes: ${items.map((node) => node.name).join(', ') || 'none'}`,
    );
  return found;
}
