import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type {
  CreateNodeBody,
  Node,
  RegisterNodeBody,
  TelemetryReport,
  UpdateNodeBody,
} from '@portico/control-plane-client';
import { Pool } from 'pg';
import { ConflictError } from '../common/api-errors';
import { type Db, UNIQUE_VIOLATION, inTransaction, sqlState } from '../common/database.repository';
import { CP_DB } from '../injection';
import { uniqueNodeName } from './node-names';

interface NodeRow {
  id: string;
  cluster_id: string;
  name: string;
  roles: Node['roles'];
  settings: Record<string, unknown>;
  settings_version: string;
  mount_point: string | null;
  status: Node['status'];
  status_reason: string | null;
  is_primary: boolean;
  last_seen_at: Date | null;
  worker_id: string | null;
  last_telemetry: TelemetryReport | null;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = `id, cluster_id, name, roles, settings, settings_version, mount_point, status, status_reason,
  is_primary, last_seen_at, worker_id, last_telemetry, created_at, updated_at`;

/** A node with the settings version that, with its cluster's, makes the GET /nodes/me version. */
export interface StoredNode {
  readonly node: Node;
  readonly settingsVersion: number;
}

export interface NodeSettingsWrite {
  readonly clusterId: string;
  readonly settings: Record<string, unknown>;
  readonly settingsVersion: number;
  readonly changed: boolean;
}

const CHANGED = `(n.name, n.roles, n.mount_point, n.is_primary)
  IS DISTINCT FROM (next.name, next.roles, next.mount_point, next.is_primary)`;

/** How many names a registration tries before giving up (each clash is a concurrent registration). */
const REGISTER_ATTEMPTS = 5;

/** All SQL of nodes: CRUD, the node settings layer, the primary flag and join-token registration. */
@Injectable()
export class NodesRepository {
  constructor(@Inject(CP_DB) private readonly pool: Pool) {}

  /** Creates a node; undefined when the cluster does not exist. */
  async create(
    clusterId: string,
    body: CreateNodeBody,
    settings: Record<string, unknown>,
  ): Promise<Node | undefined> {
    try {
      return await inTransaction(this.pool, async (client) => {
        const { rows } = await client.query<NodeRow>(
          `INSERT INTO portico.nodes (id, cluster_id, name, roles, settings, mount_point, is_primary)
           SELECT $1, c.id, $3, $4::text[], $5::jsonb, $6, $7 FROM portico.clusters c WHERE c.id = $2
           RETURNING ${COLUMNS}`,
          [
            randomUUID(),
            clusterId,
            body.name,
            body.roles,
            JSON.stringify(settings),
            body.mountPoint ?? null,
            body.primary ?? false,
          ],
        );
        const row = rows[0];
        if (!row) return undefined;
        if (row.is_primary) await this.clearOtherPrimaries(client, row.cluster_id, row.id);
        return toNode(row);
      });
    } catch (error) {
      throw duplicateName(error, body.name);
    }
  }

  async listByCluster(clusterId: string): Promise<Node[]> {
    const { rows } = await this.pool.query<NodeRow>(
      `SELECT ${COLUMNS} FROM portico.nodes WHERE cluster_id = $1 ORDER BY name, id`,
      [clusterId],
    );
    return rows.map(toNode);
  }

  async get(nodeId: string): Promise<StoredNode | undefined> {
    const { rows } = await this.pool.query<NodeRow>(`SELECT ${COLUMNS} FROM portico.nodes WHERE id = $1`, [
      nodeId,
    ]);
    return rows[0] ? { node: toNode(rows[0]), settingsVersion: Number(rows[0].settings_version) } : undefined;
  }

  /**
   * Applies a PATCH. The node's settings version moves only when something really changed, so
   * that nodes polling GET /nodes/me re-read exactly when their answer differs. Making a node
   * primary takes the flag from the cluster's other nodes (one preferred leader per cluster).
   */
  async update(nodeId: string, body: UpdateNodeBody): Promise<StoredNode | undefined> {
    try {
      return await inTransaction(this.pool, async (client) => {
        const { rows } = await client.query<NodeRow>(
          `WITH next AS (
             SELECT id,
                    CASE WHEN $2::boolean THEN $3::text ELSE name END AS name,
                    CASE WHEN $4::boolean THEN $5::text[] ELSE roles END AS roles,
                    CASE WHEN $6::boolean THEN $7::text ELSE mount_point END AS mount_point,
                    CASE WHEN $8::boolean THEN $9::boolean ELSE is_primary END AS is_primary
               FROM portico.nodes WHERE id = $1
           )
           UPDATE portico.nodes n
              SET name = next.name, roles = next.roles, mount_point = next.mount_point, is_primary = next.is_primary,
                  settings_version = n.settings_version + CASE WHEN ${CHANGED} THEN 1 ELSE 0 END,
                  updated_at = CASE WHEN ${CHANGED} THEN now() ELSE n.updated_at END
             FROM next
            WHERE n.id = next.id
          RETURNING ${COLUMNS.split(',')
            .map((c) => `n.${c.trim()}`)
            .join(', ')}`,
          [
            nodeId,
            body.name !== undefined,
            body.name ?? null,
            body.roles !== undefined,
            body.roles ?? null,
            body.mountPoint !== undefined,
            body.mountPoint ?? null,
            body.primary !== undefined,
            body.primary ?? null,
          ],
        );
        const row = rows[0];
        if (!row) return undefined;
        if (body.primary === true) await this.clearOtherPrimaries(client, row.cluster_id, row.id);
        return { node: toNode(row), settingsVersion: Number(row.settings_version) };
      });
    } catch (error) {
      throw duplicateName(error, body.name ?? '');
    }
  }

  async delete(nodeId: string): Promise<boolean> {
    const { rowCount } = await this.pool.query('DELETE FROM portico.nodes WHERE id = $1', [nodeId]);
    return (rowCount ?? 0) > 0;
  }

  async setSetting(nodeId: string, key: string, value: unknown): Promise<NodeSettingsWrite | undefined> {
    const { rows } = await this.pool.query<NodeRow>(
      `UPDATE portico.nodes
          SET settings = settings || jsonb_build_object($2::text, $3::jsonb),
              settings_version = settings_version + 1, updated_at = now()
        WHERE id = $1 AND settings -> $2::text IS DISTINCT FROM $3::jsonb
      RETURNING ${COLUMNS}`,
      [nodeId, key, JSON.stringify(value)],
    );
    return this.settingsWrite(nodeId, rows[0]);
  }

  async deleteSetting(nodeId: string, key: string): Promise<NodeSettingsWrite | undefined> {
    const { rows } = await this.pool.query<NodeRow>(
      `UPDATE portico.nodes
          SET settings = settings - $2::text, settings_version = settings_version + 1, updated_at = now()
        WHERE id = $1 AND settings ? $2::text
      RETURNING ${COLUMNS}`,
      [nodeId, key],
    );
    return this.settingsWrite(nodeId, rows[0]);
  }

  /**
   * Registers a node for a join token: the proposed name, or the first free "-N" variant. A
   * concurrent registration taking the same name makes the insert a no-op (ON CONFLICT), and
   * the next free name is tried. `alongside` runs in the same transaction (issuing the node's
   * token), so that a node never exists without the token that was returned for it.
   */
  async register<T>(
    clusterId: string,
    body: RegisterNodeBody,
    alongside: (client: Db, node: Node) => Promise<T>,
  ): Promise<{ node: Node; extra: T }> {
    return inTransaction(this.pool, async (client) => {
      const node = await this.insertRegistered(client, clusterId, body);
      return { node, extra: await alongside(client, node) };
    });
  }

  private async insertRegistered(client: Db, clusterId: string, body: RegisterNodeBody): Promise<Node> {
    for (let attempt = 1; attempt <= REGISTER_ATTEMPTS; attempt += 1) {
      const { rows: taken } = await client.query<{ name: string }>(
        'SELECT name FROM portico.nodes WHERE cluster_id = $1',
        [clusterId],
      );
      const name = uniqueNodeName(body.name, new Set(taken.map((row) => row.name)));
      const { rows } = await client.query<NodeRow>(
        `INSERT INTO portico.nodes (id, cluster_id, name, roles, registered_by, app, hostname)
         VALUES ($1, $2, $3, $4::text[], 'join', $5, $6)
         ON CONFLICT (cluster_id, name) DO NOTHING
         RETURNING ${COLUMNS}`,
        [randomUUID(), clusterId, name, body.roles, body.app, body.hostname],
      );
      if (rows[0]) return toNode(rows[0]);
    }
    throw new ConflictError(`could not find a free node name for "${body.name}"; propose another name`);
  }

  private async clearOtherPrimaries(client: Db, clusterId: string, nodeId: string): Promise<void> {
    await client.query(
      `UPDATE portico.nodes SET is_primary = false, settings_version = settings_version + 1, updated_at = now()
        WHERE cluster_id = $1 AND id <> $2 AND is_primary`,
      [clusterId, nodeId],
    );
  }

  private async settingsWrite(
    nodeId: string,
    updated: NodeRow | undefined,
  ): Promise<NodeSettingsWrite | undefined> {
    if (updated) {
      return {
        clusterId: updated.cluster_id,
        settings: updated.settings,
        settingsVersion: Number(updated.settings_version),
        changed: true,
      };
    }
    const current = await this.get(nodeId);
    return current
      ? {
          clusterId: current.node.clusterId,
          settings: current.node.settings,
          settingsVersion: current.settingsVersion,
          changed: false,
        }
      : undefined;
  }
}

function duplicateName(error: unknown, name: string): unknown {
  return sqlState(error) === UNIQUE_VIOLATION
    ? new ConflictError(`a node named "${name}" already exists in this cluster; choose another name`)
    : error;
}

function toNode(row: NodeRow): Node {
  return {
    id: row.id,
    clusterId: row.cluster_id,
    name: row.name,
    roles: row.roles,
    settings: row.settings,
    mountPoint: row.mount_point,
    status: row.status,
    statusReason: row.status_reason,
    primary: row.is_primary,
    lastSeenAt: row.last_seen_at?.toISOString() ?? null,
    workerId: row.worker_id,
    lastTelemetry: row.last_telemetry,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}
