import {
  ConfigError,
  loadLocalConfig,
  resolveSettings,
  ROLES,
  type LocalConfig,
  type ResolvedSettings,
  type Role,
} from '@portico/settings';

/** The apps that run a node, and the roles each of them is for. */
export const NODE_APPS = {
  gateway: undefined,
  coordinator: ['MAIN'],
  'checksum-worker': ['CHECKSUM'],
  'transcode-worker': ['TRANSCODE'],
  'transfer-worker': ['TRANSFER'],
} as const satisfies Record<string, readonly Role[] | undefined>;
export type NodeAppName = keyof typeof NODE_APPS;

export interface NodeConfig {
  app: NodeAppName;
  local: LocalConfig;
  roles: Role[];
  databaseUrl: string;
  controlPlaneUrl?: string;
  settings: ResolvedSettings;
}

/** Builds the node's typed config once, at boot, from config.ini, PORTICO_* env and defaults. */
export function loadNodeConfig(
  app: NodeAppName,
  input: { argv: string[]; env: NodeJS.ProcessEnv; cwd: string },
): NodeConfig {
  const local = loadLocalConfig(input);
  const fixedRoles = NODE_APPS[app];
  if (fixedRoles && local.main.roles) {
    throw new ConfigError(
      `roles = ${local.main.roles.join(',')} in ${local.file.path}: [main] roles is for the gateway app only; ${app} always runs ${fixedRoles.join(',')}`,
      { key: 'roles', file: local.file.path },
    );
  }
  const roles: Role[] = fixedRoles ? [...fixedRoles] : (local.main.roles ?? [...ROLES]);
  if (!local.main.databaseUrl) {
    throw new ConfigError(
      `no database configured: set [main] database-url in ${local.file.path} or PORTICO_DATABASE_URL (postgres://user:password@host:port/db, normally pgBouncer)`,
      { key: 'database-url', file: local.file.path },
    );
  }
  return {
    app,
    local,
    roles,
    databaseUrl: local.main.databaseUrl,
    controlPlaneUrl: local.main.controlPlaneUrl,
    settings: resolveSettings({ local: local.settings }),
  };
}
