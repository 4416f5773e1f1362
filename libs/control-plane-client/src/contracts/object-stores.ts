import { z } from 'zod';
import { Id, IsoTime, Name } from './common';

/** proxy: proxies, keyframes, posters; archive: copies of originals; export: deliveries (several allowed). */
export const OBJECT_STORE_PURPOSES = ['proxy', 'archive', 'export'] as const;
export const ObjectStorePurpose = z.enum(OBJECT_STORE_PURPOSES);
export type ObjectStorePurpose = z.infer<typeof ObjectStorePurpose>;

/** `env:NAME`: the secret is the environment variable NAME of each node, never stored by the control plane. */
export const SECRET_REFERENCE = /^env:[A-Za-z_][A-Za-z0-9_]{0,127}$/;
export const SecretReference = z
  .string()
  .regex(SECRET_REFERENCE, 'must be env:NAME, naming an environment variable of the nodes');

/** Why an S3 endpoint URL is not usable, or undefined when it is. */
export function endpointProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be an absolute URL such as https://s3.eu-west-1.amazonaws.com or http://127.0.0.1:9000';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must be an http:// or https:// URL';
  if (url.hostname === '') return 'must name a host';
  if (url.username !== '' || url.password !== '')
    return 'must not carry credentials: give them as accessKeyId and secretAccessKey';
  if (url.search !== '' || url.hash !== '') return 'must not have a query or a fragment';
  return undefined;
}

export const S3Endpoint = z
  .string()
  .max(2048)
  .superRefine((value, ctx) => {
    const problem = endpointProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

/** S3 bucket naming rules (the strictest common subset of S3-compatible servers). */
export const BucketName = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/,
    '3..63 lower-case letters, digits, dots and hyphens, starting and ending with a letter or digit',
  )
  .refine((name) => !name.includes('..'), 'must not contain ".."')
  .refine((name) => !/^\d+\.\d+\.\d+\.\d+$/.test(name), 'must not look like an IP address');

/** Key prefix inside the bucket: "" or "a/b" (a trailing "/" is dropped); no leading "/", "//" or "..". */
export const KeyPrefix = z
  .string()
  .max(1024)
  .transform((prefix) => prefix.replace(/\/+$/, ''))
  .refine(
    (prefix) =>
      prefix === '' ||
      (!prefix.startsWith('/') && prefix.split('/').every((s) => s !== '' && s !== '.' && s !== '..')),
    'must be relative ("a/b"), without empty, "." or ".." segments',
  );

export const Region = z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'lower-case letters, digits and hyphens');

/** The access key id in clear, or an env:NAME reference the nodes resolve. */
export const AccessKeyId = z.string().min(1).max(256).regex(/^\S+$/, 'must not contain spaces');
const SecretValue = z.string().min(1).max(1024);

/** How the secret access key is kept; the secret itself never leaves the control plane except to its nodes. */
export const ObjectStoreSecret = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('encrypted') }),
  z.object({ kind: z.literal('reference'), reference: z.string() }),
]);
export type ObjectStoreSecret = z.infer<typeof ObjectStoreSecret>;

export const ObjectStore = z.object({
  id: Id,
  clusterId: Id,
  name: Name,
  purpose: ObjectStorePurpose,
  endpoint: z.string(),
  region: z.string(),
  bucket: z.string(),
  prefix: z.string(),
  /** Path-style addressing (MinIO, s3rver, most on-premises servers) instead of virtual-hosted buckets. */
  pathStyle: z.boolean(),
  accessKeyId: z.string(),
  secret: ObjectStoreSecret,
  createdAt: IsoTime,
  updatedAt: IsoTime,
});
export type ObjectStore = z.infer<typeof ObjectStore>;

/** Exactly one of secretAccessKey (encrypted by the control plane) and secretAccessKeyRef. */
export const CreateObjectStoreBody = z
  .object({
    name: Name,
    purpose: ObjectStorePurpose,
    endpoint: S3Endpoint,
    region: Region.default('us-east-1'),
    bucket: BucketName,
    prefix: KeyPrefix.default(''),
    pathStyle: z.boolean().default(false),
    accessKeyId: AccessKeyId,
    secretAccessKey: SecretValue.optional(),
    secretAccessKeyRef: SecretReference.optional(),
  })
  .strict()
  .superRefine((body, ctx) => {
    if ((body.secretAccessKey === undefined) === (body.secretAccessKeyRef === undefined))
      ctx.addIssue({
        code: 'custom',
        path: ['secretAccessKey'],
        message: 'give exactly one of secretAccessKey (stored encrypted) and secretAccessKeyRef (env:NAME)',
      });
  });
export type CreateObjectStoreBody = z.input<typeof CreateObjectStoreBody>;

/** PATCH: omitted fields stay; a new secret (either form) replaces the old one. */
export const UpdateObjectStoreBody = z
  .object({
    name: Name.optional(),
    purpose: ObjectStorePurpose.optional(),
    endpoint: S3Endpoint.optional(),
    region: Region.optional(),
    bucket: BucketName.optional(),
    prefix: KeyPrefix.optional(),
    pathStyle: z.boolean().optional(),
    accessKeyId: AccessKeyId.optional(),
    secretAccessKey: SecretValue.optional(),
    secretAccessKeyRef: SecretReference.optional(),
  })
  .strict()
  .superRefine((body, ctx) => {
    if (body.secretAccessKey !== undefined && body.secretAccessKeyRef !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['secretAccessKey'],
        message: 'give at most one of secretAccessKey and secretAccessKeyRef',
      });
  });
export type UpdateObjectStoreBody = z.input<typeof UpdateObjectStoreBody>;

/** An object store as its cluster's nodes get it: the secret decrypted, or the reference to resolve. */
export const NodeObjectStore = ObjectStore.omit({ secret: true }).extend({
  secretAccessKey: z.string().nullable(),
  secretAccessKeyRef: z.string().nullable(),
});
export type NodeObjectStore = z.infer<typeof NodeObjectStore>;

/**
 * A node's S3 credentials for a store: references (env:NAME) are read from the node's own
 * environment. Throws naming the store and the variable when one is not set.
 */
export function resolveObjectStoreCredentials(
  store: Pick<NodeObjectStore, 'name' | 'accessKeyId' | 'secretAccessKey' | 'secretAccessKeyRef'>,
  env: Readonly<Record<string, string | undefined>>,
): { accessKeyId: string; secretAccessKey: string } {
  const resolve = (value: string, what: string): string => {
    if (!SECRET_REFERENCE.test(value)) return value;
    const name = value.slice('env:'.length);
    const found = env[name];
    if (found === undefined || found === '')
      throw new Error(
        `object store "${store.name}": its ${what} is ${value}, but ${name} is not set in this node's environment; set it or change the object store`,
      );
    return found;
  };
  const secret = store.secretAccessKey ?? store.secretAccessKeyRef;
  if (secret === null)
    throw new Error(`object store "${store.name}" has no secret access key; set one on the control plane`);
  return {
    accessKeyId: resolve(store.accessKeyId, 'access key id'),
    secretAccessKey: store.secretAccessKey ?? resolve(secret, 'secret access key'),
  };
}
