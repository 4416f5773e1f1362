import { z } from 'zod';

/** Every entity has a UUID, so records can be created anywhere without clashes. */
export const Id = z.uuid();
export const IsoTime = z.iso.datetime({ offset: true });

export const ROLE_NAMES = ['MAIN', 'CHECKSUM', 'TRANSCODE', 'TRANSFER'] as const;
export const RoleName = z.enum(ROLE_NAMES);
export type RoleName = z.infer<typeof RoleName>;

/** A node's availability, as SPEC section 1 defines it. */
export const NODE_STATUSES = ['Active', 'Stopped', 'Offline', 'Warning', 'Error'] as const;
export const NodeStatus = z.enum(NODE_STATUSES);
export type NodeStatus = z.infer<typeof NodeStatus>;

/** Names of nodes, clusters: printable, no path separators, up to 100 characters. */
export const Name = z
  .string()
  .trim()
  .min(1)
  .max(100)
  .regex(
    /^[\p{L}\p{N}][\p{L}\p{N} ._:@-]*$/u,
    'letters, digits, space and . _ : @ - (starting with a letter or digit)',
  );

/** A settings layer as stored on the control plane: key → JSON value (validated by the settings catalogue). */
export const SettingsMap = z.record(z.string(), z.unknown());

export const Page = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), nextCursor: z.string().nullable() });

/** Body of every 4xx/5xx answer. `fields` names what was wrong with a request body. */
export const ApiErrorBody = z.object({
  statusCode: z.number().int(),
  error: z.string(),
  message: z.string(),
  fields: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});
export type ApiErrorBody = z.infer<typeof ApiErrorBody>;
