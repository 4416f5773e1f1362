import * as path from 'node:path';
import { z } from 'zod';
import { ROLES, type Role } from './roles';
import { checkValue, integer, stringList, urlWithScheme } from './values';

/**
 * The typed keys of config.ini's [main], [storage] and [control-plane] sections, declared as
 * data: ini key, environment variable, schema (text in, typed value out), default and whether
 * the value is a secret.
 */

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface FieldSpec<T = unknown> {
  readonly iniKey: string;
  readonly env: string;
  readonly schema: z.ZodType<T>;
  readonly allowed: string;
  readonly sensitive: boolean;
  readonly default: T | undefined;
}

function field<T>(
  spec: Omit<FieldSpec<T>, 'sensitive' | 'default'> & { sensitive?: boolean; default?: T },
): FieldSpec<T> {
  return { sensitive: false, default: undefined, ...spec };
}

const httpUrl = urlWithScheme(['http:', 'https:']).transform((url) => url.trim().replace(/\/+$/, ''));
const postgresUrl = urlWithScheme(['postgres:', 'postgresql:']).transform((url) => url.trim());
const redisUrl = urlWithScheme(['redis:', 'rediss:']).transform((url) => url.trim());
const token = (min: number) =>
  z
    .string()
    .min(min, { error: `must be at least ${min} characters` })
    .regex(/^\S+$/, { error: 'must not contain spaces' });
const host = z
  .string()
  .regex(/^(\[[0-9A-Fa-f:.%a-z0-9]+\]|[A-Za-z0-9._:%-]+)$/, { error: 'must be a host name or IP address' });
const port = (allowZero: boolean) => integer(allowZero ? 0 : 1, 65_535);
const logLevel = z
  .string()
  .transform((s) => s.trim().toLowerCase())
  .pipe(z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` }));
const uuid = z
  .string()
  .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, { error: 'must be a UUID' })
  .transform((s) => s.toLowerCase());
const roles = stringList().transform((items, ctx): Role[] => {
  const seen = new Set<Role>();
  for (const raw of items) {
    const role = raw.trim().toUpperCase();
    if (!(ROLES as readonly string[]).includes(role)) {
      ctx.addIssue({ code: 'custom', message: `"${raw}" is not one of ${ROLES.join(', ')}` });
      return z.NEVER;
    }
    if (seen.has(role as Role)) {
      ctx.addIssue({ code: 'custom', message: `"${role}" is listed twice` });
      return z.NEVER;
    }
    seen.add(role as Role);
  }
  if (seen.size === 0) {
    ctx.addIssue({ code: 'custom', message: 'must list at least one role' });
    return z.NEVER;
  }
  return [...seen];
});
const absolutePath = z
  .string()
  .refine((p) => path.posix.isAbsolute(p.trim()), { error: 'must be an absolute path' })
  .transform((p) => {
    const normalised = path.posix.normalize(p.trim());
    return normalised.length > 1 ? normalised.replace(/\/+$/, '') : normalised;
  });
const name = z
  .string()
  .min(1, { error: 'must not be empty' })
  .max(128, { error: 'must be at most 128 characters' })
  // eslint-disable-next-line no-control-regex
  .regex(/^[^\u0000-\u001f]+$/, { error: 'must not contain control characters' });

export const MAIN_FIELDS = {
  controlPlaneUrl: field({
    iniKey: 'control-plane-url',
    env: 'PORTICO_CONTROL_PLANE_URL',
    schema: httpUrl,
    allowed: 'http:// or https:// URL',
  }),
  authToken: field({
    iniKey: 'auth-token',
    env: 'PORTICO_AUTH_TOKEN',
    schema: token(1),
    allowed: 'the node token issued by the control plane',
    sensitive: true,
  }),
  storageGatewayId: field({
    iniKey: 'storage-gateway-id',
    env: 'PORTICO_STORAGE_GATEWAY_ID',
    schema: uuid,
    allowed: 'the node id (a UUID)',
  }),
  joinToken: field({
    iniKey: 'join-token',
    env: 'PORTICO_JOIN_TOKEN',
    schema: token(1),
    allowed: 'a cluster join token issued by the control plane',
    sensitive: true,
  }),
  roles: field({
    iniKey: 'roles',
    env: 'PORTICO_ROLES',
    schema: roles,
    allowed: `comma-separated non-empty list of distinct ${ROLES.join(', ')}`,
  }),
  databaseUrl: field({
    iniKey: 'database-url',
    env: 'PORTICO_DATABASE_URL',
    schema: postgresUrl,
    allowed: 'postgres:// or postgresql:// URL (overrides the cluster db_connection_uri on this node)',
    sensitive: true,
  }),
  redisUrl: field({
    iniKey: 'redis-url',
    env: 'PORTICO_REDIS_URL',
    schema: redisUrl,
    allowed: 'redis:// or rediss:// URL',
    sensitive: true,
  }),
  httpHost: field({
    iniKey: 'http-host',
    env: 'PORTICO_HTTP_HOST',
    schema: host,
    allowed: 'host name or IP address to listen on',
    default: '127.0.0.1',
  }),
  httpPort: field({
    iniKey: 'http-port',
    env: 'PORTICO_HTTP_PORT',
    schema: port(true),
    allowed: 'integer 0..65535 (0 = any free port)',
  }),
  logLevel: field({
    iniKey: 'log-level',
    env: 'PORTICO_LOG_LEVEL',
    schema: logLevel,
    allowed: LOG_LEVELS.join(', '),
    default: 'info',
  }),
  nodeName: field({
    iniKey: 'node-name',
    env: 'PORTICO_NODE_NAME',
    schema: name,
    allowed: '1..128 printable characters',
  }),
};

export const STORAGE_FIELDS = {
  mountPoint: field({
    iniKey: 'mount-point',
    env: 'PORTICO_MOUNT_POINT',
    schema: absolutePath,
    allowed: "absolute path of this node's mount of the cluster storage",
  }),
};

export const CONTROL_PLANE_FIELDS = {
  httpHost: MAIN_FIELDS.httpHost,
  httpPort: field({
    iniKey: 'http-port',
    env: 'PORTICO_HTTP_PORT',
    schema: port(true),
    allowed: 'integer 0..65535 (0 = any free port)',
    default: 8080,
  }),
  databaseUrl: field({ ...MAIN_FIELDS.databaseUrl, allowed: 'postgres:// or postgresql:// URL' }),
  adminToken: field({
    iniKey: 'admin-token',
    env: 'PORTICO_ADMIN_TOKEN',
    schema: token(16),
    allowed: 'at least 16 characters, no spaces',
    sensitive: true,
  }),
  redisUrl: MAIN_FIELDS.redisUrl,
  logLevel: MAIN_FIELDS.logLevel,
};

export type Fields = Readonly<Record<string, FieldSpec>>;

export function checkField<T>(spec: FieldSpec<T>, raw: string) {
  return checkValue(spec.schema, raw);
}
