import { ConfigError, loadLocalConfig, ROLES, type LocalConfig, type Role } from '@portico/settings';

/** The apps that run a node, and the roles each of them is for. */
export const NODE_APPS = {
  gateway: undefined,
  coordinator: ['MAIN'],
  'checksum-worker': ['CHECKSUM'],
  'transcode-worker': ['TRANSCODE'],
  'transfer-worker': ['TRANSFER'],
} as const satisfies Record<string, readonly Role[] | undefined>;
export type NodeAppName = keyof typeof NODE_APPS;

/** How this process proves which node it is: a node id with its token, or a join token. */
export type NodeCredentials =
  { kind: 'node'; nodeId: string; token: string } | { kind: 'join'; joinToken: string };

/** What a node knows from its local layer alone, before it has asked the control plane. */
export interface NodeConfig {
  app: NodeAppName;
  local: LocalConfig;
  roles: Role[];
  controlPlaneUrl: string;
  credentials: NodeCredentials;
  /** The environment the node booted with, for `env:NAME` secret references (read once, here). */
  secretEnv: Readonly<Record<string, string | undefined>>;
}

/** Builds the node's local config once, at boot, from config.ini and PORTICO_* env. */
export function loadNodeConfig(
  app: NodeAppName,
  input: { argv: string[]; env: NodeJS.ProcessEnv; cwd: string },
): NodeConfig {
  const local = loadLocalConfig(input);
  const file = local.file.path;
  const fixedRoles = NODE_APPS[app];
  if (fixedRoles && local.main.roles) {
    throw new ConfigError(
      `roles = ${local.main.roles.join(',')} in ${file}: [main] roles is for the gateway app only; ${app} always runs ${fixedRoles.join(',')}`,
      { key: 'roles', file },
    );
  }
  const roles: Role[] = fixedRoles ? [...fixedRoles] : [...(local.main.roles ?? ROLES)];
  const { controlPlaneUrl, storageGatewayId, authToken, joinToken } = local.main;
  if (!controlPlaneUrl) {
    throw new ConfigError(
      `no control plane configured: set [main] control-plane-url in ${file} or PORTICO_CONTROL_PLANE_URL`,
      {
        key: 'control-plane-url',
        file,
      },
    );
  }
  return {
    app,
    local,
    roles,
    controlPlaneUrl,
    credentials: credentialsOf(storageGatewayId, authToken, joinToken, file),
    secretEnv: Object.freeze({ ...input.env }),
  };
}

function credentialsOf(
  nodeId: string | undefined,
  token: string | undefined,
  joinToken: string | undefined,
  file: string,
): NodeCredentials {
  if (nodeId && joinToken) {
    throw new ConfigError(
      `both storage-gateway-id and join-token are set in ${file} (or PORTICO_*): use one`,
      { key: 'join-token', file },
    );
  }
  if (nodeId) {
    if (!token) {
      throw new ConfigError(
        `storage-gateway-id is set but auth-token is not: set [main] auth-token in ${file} or PORTICO_AUTH_TOKEN`,
        {
          key: 'auth-token',
          file,
        },
      );
    }
    return { kind: 'node', nodeId, token };
  }
  if (joinToken) return { kind: 'join', joinToken };
  throw new ConfigError(
    `no node identity: set [main] storage-gateway-id and auth-token (a node token), or join-token to auto-register, in ${file} or PORTICO_*`,
    { key: 'storage-gateway-id', file },
  );
}
