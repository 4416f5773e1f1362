import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { ControlPlaneClient, type Node, type RoleName } from '@portico/control-plane-client';
import { startApp, type AppProcess } from './processes';

/**
 * Builds a real cluster for e2e tests: the control-plane app as a process, a cluster made
 * through its API, and node processes with their own node tokens — exactly what an operator
 * does, so the tests exercise the real paths.
 */
export interface ControlPlaneHandle {
  process: AppProcess;
  url: string;
  adminToken: string;
  admin: ControlPlaneClient;
}

export const TEST_ADMIN_TOKEN = 'e2e-admin-token-0123456789abcdef';

/** The URL an app printed in its "listening on" log line. */
export async function listeningUrl(app: AppProcess, timeoutMs = 60_000): Promise<string> {
  const line = await app.waitForLine(/listening on http:/, timeoutMs);
  return (JSON.parse(line) as { url: string }).url;
}

export async function startControlPlane(options: {
  databaseUrl: string;
  env?: NodeJS.ProcessEnv;
  port?: number;
}): Promise<ControlPlaneHandle> {
  const process = startApp('control-plane', {
    env: {
      PORTICO_DATABASE_URL: options.databaseUrl,
      PORTICO_ADMIN_TOKEN: TEST_ADMIN_TOKEN,
      PORTICO_HTTP_PORT: String(options.port ?? 0),
      ...options.env,
    },
  });
  const url = await listeningUrl(process);
  return {
    process,
    url,
    adminToken: TEST_ADMIN_TOKEN,
    admin: new ControlPlaneClient({ baseUrl: url, token: TEST_ADMIN_TOKEN }),
  };
}

export interface NodeIdentityFixture {
  node: Node;
  token: string;
}

/** A node entity and its node token, made through the admin API. */
export async function createNodeIdentity(
  admin: ControlPlaneClient,
  clusterId: string,
  name: string,
  roles: RoleName[],
): Promise<NodeIdentityFixture> {
  const node = await admin.createNode(clusterId, { name, roles });
  const token = await admin.createToken({ kind: 'node', clusterId, nodeId: node.id });
  return { node, token: token.token };
}

/** The PORTICO_* environment of a node process (its whole local layer). */
export function nodeEnv(options: {
  controlPlaneUrl: string;
  databaseUrl: string;
  identity: NodeIdentityFixture;
  mountPoint: string;
  extra?: NodeJS.ProcessEnv;
}): NodeJS.ProcessEnv {
  mkdirSync(options.mountPoint, { recursive: true });
  return {
    PORTICO_CONTROL_PLANE_URL: options.controlPlaneUrl,
    PORTICO_DATABASE_URL: options.databaseUrl,
    PORTICO_STORAGE_GATEWAY_ID: options.identity.node.id,
    PORTICO_AUTH_TOKEN: options.identity.token,
    PORTICO_MOUNT_POINT: path.resolve(options.mountPoint),
    PORTICO_HTTP_PORT: '0',
    ...options.extra,
  };
}

export interface NodeHandle {
  name: string;
  nodeId: string;
  process: AppProcess;
  url: string;
}

export async function startNode(
  app: string,
  name: string,
  nodeId: string,
  env: NodeJS.ProcessEnv,
): Promise<NodeHandle> {
  const process = startApp(app, { env });
  return { name, nodeId, process, url: await listeningUrl(process) };
}
