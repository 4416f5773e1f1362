import { z } from 'zod';
import { Id, IsoTime } from './common';

/**
 * admin: everything. node: acts as one node, in its cluster only. join: may only register
 * new nodes in one cluster (for `docker compose --scale` and Kubernetes replicas).
 */
export const TOKEN_KINDS = ['admin', 'node', 'join'] as const;
export const TokenKind = z.enum(TOKEN_KINDS);
export type TokenKind = z.infer<typeof TokenKind>;

export const TokenInfo = z.object({
  id: Id,
  kind: TokenKind,
  clusterId: Id.nullable(),
  nodeId: Id.nullable(),
  /** The first characters, to recognise a token without revealing it. */
  prefix: z.string(),
  description: z.string().nullable(),
  createdAt: IsoTime,
  expiresAt: IsoTime.nullable(),
  revokedAt: IsoTime.nullable(),
  lastUsedAt: IsoTime.nullable(),
});
export type TokenInfo = z.infer<typeof TokenInfo>;

export const CreateTokenBody = z
  .object({
    kind: TokenKind,
    clusterId: Id.optional(),
    nodeId: Id.optional(),
    description: z.string().max(200).optional(),
    expiresInSeconds: z.number().int().positive().optional(),
  })
  .strict()
  .superRefine((body, ctx) => {
    if (body.kind === 'node' && !body.nodeId)
      ctx.addIssue({ code: 'custom', path: ['nodeId'], message: 'a node token needs nodeId' });
    if (body.kind === 'join' && !body.clusterId)
      ctx.addIssue({ code: 'custom', path: ['clusterId'], message: 'a join token needs clusterId' });
    if (body.kind === 'admin' && (body.clusterId || body.nodeId)) {
      ctx.addIssue({
        code: 'custom',
        path: ['kind'],
        message: 'an admin token is not bound to a cluster or node',
      });
    }
  });
export type CreateTokenBody = z.infer<typeof CreateTokenBody>;

/** The secret is in `token` this once; only its hash is stored. */
export const CreatedToken = TokenInfo.extend({ token: z.string() });
export type CreatedToken = z.infer<typeof CreatedToken>;
