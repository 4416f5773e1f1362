import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { TokenInfo, TokenKind } from '@portico/control-plane-client';
import { Pool } from 'pg';
import { CP_DB } from '../injection';
import type { Db } from '../common/database.repository';

interface TokenRow {
  id: string;
  kind: TokenKind;
  cluster_id: string | null;
  node_id: string | null;
  prefix: string;
  description: string | null;
  created_at: Date;
  expires_at: Date | null;
  revoked_at: Date | null;
  last_used_at: Date | null;
}

const COLUMNS =
  'id, kind, cluster_id, node_id, prefix, description, created_at, expires_at, revoked_at, last_used_at';

export interface TokenLookup {
  readonly id: string;
  readonly kind: TokenKind;
  readonly clusterId: string | null;
  readonly nodeId: string | null;
  readonly revoked: boolean;
  readonly expired: boolean;
}

export interface NewToken {
  readonly kind: TokenKind;
  readonly clusterId?: string;
  readonly nodeId?: string;
  readonly description?: string;
  readonly expiresInSeconds?: number;
  readonly hash: Buffer;
  readonly prefix: string;
}

/** All SQL of API tokens: lookup by hash (with a cheap last-used touch), issue, list, revoke. */
@Injectable()
export class TokensRepository {
  constructor(@Inject(CP_DB) private readonly pool: Pool) {}

  /**
   * Finds a token by the SHA-256 of its secret, judged against the database clock. A usable
   * token's last_used_at is refreshed in the same statement, at most once a minute, so that
   * authentication costs one round trip and rarely a write.
   */
  async lookup(hash: Buffer): Promise<TokenLookup | undefined> {
    const { rows } = await this.pool.query<{
      id: string;
      kind: TokenKind;
      cluster_id: string | null;
      node_id: string | null;
      revoked: boolean;
      expired: boolean;
    }>(
      `WITH found AS (
         SELECT id, kind, cluster_id, node_id, last_used_at,
                revoked_at IS NOT NULL AS revoked,
                expires_at IS NOT NULL AND expires_at <= now() AS expired
           FROM portico.tokens WHERE secret_hash = $1
       ), touched AS (
         UPDATE portico.tokens t SET last_used_at = now()
           FROM found f
          WHERE t.id = f.id AND NOT f.revoked AND NOT f.expired
            AND (f.last_used_at IS NULL OR f.last_used_at < now() - interval '1 minute')
       )
       SELECT id, kind, cluster_id, node_id, revoked, expired FROM found`,
      [hash],
    );
    const row = rows[0];
    if (!row) return undefined;
    return {
      id: row.id,
      kind: row.kind,
      clusterId: row.cluster_id,
      nodeId: row.node_id,
      revoked: row.revoked,
      expired: row.expired,
    };
  }

  /**
   * Stores a new token. A node token takes its cluster from its node; a join token needs its
   * cluster to exist. Returns undefined when the cluster or node does not exist (or the node is
   * not in the given cluster).
   */
  async create(token: NewToken, db: Db = this.pool): Promise<TokenInfo | undefined> {
    const { rows } = await db.query<TokenRow>(
      `INSERT INTO portico.tokens (id, kind, cluster_id, node_id, secret_hash, prefix, description, expires_at)
       SELECT $1, $2, target.cluster_id, target.node_id, $5, $6, $7,
              CASE WHEN $8::float8 IS NULL THEN NULL ELSE now() + make_interval(secs => $8::float8) END
         FROM (
           SELECT NULL::uuid AS cluster_id, NULL::uuid AS node_id WHERE $2 = 'admin'
           UNION ALL
           SELECT c.id, NULL::uuid FROM portico.clusters c WHERE $2 = 'join' AND c.id = $3::uuid
           UNION ALL
           SELECT n.cluster_id, n.id FROM portico.nodes n
            WHERE $2 = 'node' AND n.id = $4::uuid AND ($3::uuid IS NULL OR n.cluster_id = $3::uuid)
         ) target
       RETURNING ${COLUMNS}`,
      [
        randomUUID(),
        token.kind,
        token.clusterId ?? null,
        token.nodeId ?? null,
        token.hash,
        token.prefix,
        token.description ?? null,
        token.expiresInSeconds ?? null,
      ],
    );
    return rows[0] ? toTokenInfo(rows[0]) : undefined;
  }

  async list(clusterId?: string): Promise<TokenInfo[]> {
    const { rows } = await this.pool.query<TokenRow>(
      `SELECT ${COLUMNS} FROM portico.tokens
        WHERE $1::uuid IS NULL OR cluster_id = $1::uuid
        ORDER BY created_at, id`,
      [clusterId ?? null],
    );
    return rows.map(toTokenInfo);
  }

  /** Revokes a token (idempotent: an already revoked token keeps its first revocation time). False when unknown. */
  async revoke(tokenId: string): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `UPDATE portico.tokens SET revoked_at = COALESCE(revoked_at, now()) WHERE id = $1`,
      [tokenId],
    );
    return (rowCount ?? 0) > 0;
  }
}

function toTokenInfo(row: TokenRow): TokenInfo {
  return {
    id: row.id,
    kind: row.kind,
    clusterId: row.cluster_id,
    nodeId: row.node_id,
    prefix: row.prefix,
    description: row.description,
    createdAt: row.created_at.toISOString(),
    expiresAt: row.expires_at?.toISOString() ?? null,
    revokedAt: row.revoked_at?.toISOString() ?? null,
    lastUsedAt: row.last_used_at?.toISOString() ?? null,
  };
}
