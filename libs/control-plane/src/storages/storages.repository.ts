import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { CreateStorageBody, Storage, UpdateStorageBody } from '@portico/control-plane-client';
import { Pool } from 'pg';
import { ConflictError } from '../common/api-errors';
import { FOREIGN_KEY_VIOLATION, UNIQUE_VIOLATION, sqlState } from '../common/database.repository';
import { CP_DB } from '../injection';

interface StorageRow {
  id: string;
  cluster_id: string;
  name: string;
  mount_point: string | null;
  scan_directories: string[];
  ignore_patterns: string[] | null;
  growing_files_threshold_seconds: number | null;
  delete_policy: Storage['deletePolicy'];
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = `id, cluster_id, name, mount_point, scan_directories, ignore_patterns,
  growing_files_threshold_seconds, delete_policy, created_at, updated_at`;

/** All SQL of storages: one per cluster (the UNIQUE on cluster_id is the rule). */
@Injectable()
export class StoragesRepository {
  constructor(@Inject(CP_DB) private readonly pool: Pool) {}

  /** Undefined when the cluster does not exist; ConflictError when it serves a storage already. */
  async create(clusterId: string, body: CreateStorageBody): Promise<Storage | undefined> {
    try {
      const { rows } = await this.pool.query<StorageRow>(
        `INSERT INTO portico.storages (id, cluster_id, name, mount_point, scan_directories, ignore_patterns,
                                       growing_files_threshold_seconds, delete_policy)
         SELECT $1, c.id, $3, $4, $5::text[], $6::text[], $7, $8 FROM portico.clusters c WHERE c.id = $2
         RETURNING ${COLUMNS}`,
        [
          randomUUID(),
          clusterId,
          body.name,
          body.mountPoint ?? null,
          unique(body.scanDirectories ?? []),
          body.ignorePatterns ? unique(body.ignorePatterns) : null,
          body.growingFilesThresholdSeconds ?? null,
          body.deletePolicy ?? 'storage-only',
        ],
      );
      return rows[0] ? toStorage(rows[0]) : undefined;
    } catch (error) {
      if (sqlState(error) === UNIQUE_VIOLATION)
        throw new ConflictError(
          `cluster ${clusterId} already serves a storage (one cluster serves one storage); update or delete it`,
        );
      throw error;
    }
  }

  async listByCluster(clusterId: string): Promise<Storage[]> {
    const { rows } = await this.pool.query<StorageRow>(
      `SELECT ${COLUMNS} FROM portico.storages WHERE cluster_id = $1`,
      [clusterId],
    );
    return rows.map(toStorage);
  }

  async get(storageId: string): Promise<Storage | undefined> {
    const { rows } = await this.pool.query<StorageRow>(
      `SELECT ${COLUMNS} FROM portico.storages WHERE id = $1`,
      [storageId],
    );
    return rows[0] ? toStorage(rows[0]) : undefined;
  }

  /** Applies a PATCH (omitted fields stay, null clears); updated_at moves only on a real change. */
  async update(storageId: string, body: UpdateStorageBody): Promise<Storage | undefined> {
    const set = (field: keyof UpdateStorageBody) => body[field] !== undefined;
    const { rows } = await this.pool.query<StorageRow>(
      `WITH next AS (
         SELECT id,
                CASE WHEN $2 THEN $3::text ELSE name END AS name,
                CASE WHEN $4 THEN $5::text ELSE mount_point END AS mount_point,
                CASE WHEN $6 THEN $7::text[] ELSE scan_directories END AS scan_directories,
                CASE WHEN $8 THEN $9::text[] ELSE ignore_patterns END AS ignore_patterns,
                CASE WHEN $10 THEN $11::integer ELSE growing_files_threshold_seconds END AS threshold,
                CASE WHEN $12 THEN $13::text ELSE delete_policy END AS delete_policy
           FROM portico.storages WHERE id = $1
       )
       UPDATE portico.storages s
          SET name = next.name, mount_point = next.mount_point, scan_directories = next.scan_directories,
              ignore_patterns = next.ignore_patterns, growing_files_threshold_seconds = next.threshold,
              delete_policy = next.delete_policy,
              updated_at = CASE
                WHEN (s.name, s.mount_point, s.scan_directories, s.ignore_patterns, s.growing_files_threshold_seconds,
                      s.delete_policy)
                     IS DISTINCT FROM (next.name, next.mount_point, next.scan_directories, next.ignore_patterns,
                                       next.threshold, next.delete_policy)
                THEN now() ELSE s.updated_at END
         FROM next
        WHERE s.id = next.id
      RETURNING ${COLUMNS.split(',')
        .map((c) => `s.${c.trim()}`)
        .join(', ')}`,
      [
        storageId,
        set('name'),
        body.name ?? null,
        set('mountPoint'),
        body.mountPoint ?? null,
        set('scanDirectories'),
        body.scanDirectories ? unique(body.scanDirectories) : null,
        set('ignorePatterns'),
        body.ignorePatterns ? unique(body.ignorePatterns) : null,
        set('growingFilesThresholdSeconds'),
        body.growingFilesThresholdSeconds ?? null,
        set('deletePolicy'),
        body.deletePolicy ?? null,
      ],
    );
    return rows[0] ? toStorage(rows[0]) : undefined;
  }

  /** False when unknown; ConflictError while the catalog still has assets on it. */
  async delete(storageId: string): Promise<boolean> {
    try {
      const { rowCount } = await this.pool.query('DELETE FROM portico.storages WHERE id = $1', [storageId]);
      return (rowCount ?? 0) > 0;
    } catch (error) {
      if (sqlState(error) === FOREIGN_KEY_VIOLATION)
        throw new ConflictError(
          `storage ${storageId} still has assets in the catalog; it cannot be deleted while they exist ` +
            '(delete the cluster to drop its catalog)',
        );
      throw error;
    }
  }
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}

function toStorage(row: StorageRow): Storage {
  return {
    id: row.id,
    clusterId: row.cluster_id,
    name: row.name,
    mountPoint: row.mount_point,
    scanDirectories: row.scan_directories,
    ignorePatterns: row.ignore_patterns,
    growingFilesThresholdSeconds: row.growing_files_threshold_seconds,
    deletePolicy: row.delete_policy,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}
