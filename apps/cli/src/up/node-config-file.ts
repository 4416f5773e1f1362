/** The config.ini of one local node, as an operator would write it (SPEC 3.2). */
export function nodeConfigIni(options: {
  controlPlaneUrl: string;
  databaseUrl: string;
  httpPort: number;
  roles: string[];
  mountPoint: string;
  nodeName: string;
  nodeId: string;
  token: string;
}): string {
  return [
    '; Written by `portico up` for a local cluster; edit freely, it is rewritten on the next `up`.',
    '[main]',
    `control-plane-url = ${options.controlPlaneUrl}`,
    `storage-gateway-id = ${options.nodeId}`,
    `auth-token = ${options.token}`,
    `database-url = ${options.databaseUrl}`,
    `node-name = ${options.nodeName}`,
    `roles = ${options.roles.join(',')}`,
    'http-host = 127.0.0.1',
    `http-port = ${options.httpPort}`,
    '',
    '[storage]',
    `mount-point = ${options.mountPoint}`,
    '',
  ].join('\n');
}
