import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { Cluster } from '@portico/control-plane-client';
import { Pool } from 'pg';
import { ConflictError } from '../common/api-errors';
import { UNIQUE_VIOLATION, sqlState } from '../common/database.repository';
import { CP_DB } from '../injection';

interface ClusterRow {
  id: string;
  name: string;
  settings: Record<string, unknown>;
  settings_version: string;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = 'id, name, settings, settings_version, created_at, updated_at';

/** The result of a settings write: the layer after it, and whether anything changed (and the version moved). */
export interface SettingsWrite {
  readonly settings: Record<string, unknown>;
  readonly settingsVersion: number;
  readonly changed: boolean;
}

/** All SQL of clusters and their settings layer. Values are returned unmasked; callers mask. */
@Injectable()
export class ClustersRepository {
  constructor(@Inject(CP_DB) private readonly pool: Pool) {}

  async create(name: string, settings: Record<string, unknown>): Promise<Cluster> {
    try {
      const { rows } = await this.pool.query<ClusterRow>(
        `INSERT INTO portico.clusters (id, name, settings) VALUES ($1, $2, $3::jsonb) RETURNING ${COLUMNS}`,
        [randomUUID(), name, JSON.stringify(settings)],
      );
      return toCluster(rows[0]!);
    } catch (error) {
      throw duplicateName(error, name);
    }
  }

  async list(): Promise<Cluster[]> {
    const { rows } = await this.pool.query<ClusterRow>(
      `SELECT ${COLUMNS} FROM portico.clusters ORDER BY name, id`,
    );
    return rows.map(toCluster);
  }

  async get(clusterId: string): Promise<Cluster | undefined> {
    const { rows } = await this.pool.query<ClusterRow>(
      `SELECT ${COLUMNS} FROM portico.clusters WHERE id = $1`,
      [clusterId],
    );
    return rows[0] ? toCluster(rows[0]) : undefined;
  }

  /** Renames; the settings version moves only when the name really changes (nodes re-read on it). */
  async rename(clusterId: string, name: string | undefined): Promise<Cluster | undefined> {
    try {
      const { rows } = await this.pool.query<ClusterRow>(
        `UPDATE portico.clusters
            SET name = COALESCE($2, name),
                settings_version = settings_version + CASE WHEN $2 IS NOT NULL AND $2 <> name THEN 1 ELSE 0 END,
                updated_at = CASE WHEN $2 IS NOT NULL AND $2 <> name THEN now() ELSE updated_at END
          WHERE id = $1
        RETURNING ${COLUMNS}`,
        [clusterId, name ?? null],
      );
      return rows[0] ? toCluster(rows[0]) : undefined;
    } catch (error) {
      throw duplicateName(error, name ?? '');
    }
  }

  /** Deletes a cluster and, by cascade, its nodes, tokens, logs and lease. False when unknown. */
  async delete(clusterId: string): Promise<boolean> {
    const { rowCount } = await this.pool.query('DELETE FROM portico.clusters WHERE id = $1', [clusterId]);
    return (rowCount ?? 0) > 0;
  }

  /** Sets one key (an unchanged value leaves the version alone). Undefined when the cluster is unknown. */
  async setSetting(clusterId: string, key: string, value: unknown): Promise<SettingsWrite | undefined> {
    const { rows } = await this.pool.query<ClusterRow>(
      `UPDATE portico.clusters
          SET settings = settings || jsonb_build_object($2::text, $3::jsonb),
              settings_version = settings_version + 1,
              updated_at = now()
        WHERE id = $1 AND settings -> $2::text IS DISTINCT FROM $3::jsonb
      RETURNING ${COLUMNS}`,
      [clusterId, key, JSON.stringify(value)],
    );
    return this.settingsWrite(clusterId, rows[0]);
  }

  /** Removes one key (removing an absent key changes nothing). Undefined when the cluster is unknown. */
  async deleteSetting(clusterId: string, key: string): Promise<SettingsWrite | undefined> {
    const { rows } = await this.pool.query<ClusterRow>(
      `UPDATE portico.clusters
          SET settings = settings - $2::text, settings_version = settings_version + 1, updated_at = now()
        WHERE id = $1 AND settings ? $2::text
      RETURNING ${COLUMNS}`,
      [clusterId, key],
    );
    return this.settingsWrite(clusterId, rows[0]);
  }

  private async settingsWrite(
    clusterId: string,
    updated: ClusterRow | undefined,
  ): Promise<SettingsWrite | undefined> {
    if (updated)
      return { settings: updated.settings, settingsVersion: Number(updated.settings_version), changed: true };
    const current = await this.get(clusterId);
    return current
      ? { settings: current.settings, settingsVersion: current.settingsVersion, changed: false }
      : undefined;
  }
}

function duplicateName(error: unknown, name: string): unknown {
  return sqlState(error) === UNIQUE_VIOLATION
    ? new ConflictError(`a cluster named "${name}" already exists; choose another name`)
    : error;
}

export function toCluster(row: ClusterRow): Cluster {
  return {
    id: row.id,
    name: row.name,
    settings: row.settings,
    settingsVersion: Number(row.settings_version),
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}
