import { Inject, Injectable } from '@nestjs/common';
import type { ObjectStore, ObjectStorePurpose } from '@portico/control-plane-client';
import { Pool } from 'pg';
import { ConflictError } from '../common/api-errors';
import { FOREIGN_KEY_VIOLATION, UNIQUE_VIOLATION, sqlState } from '../common/database.repository';
import { CP_DB } from '../injection';

interface ObjectStoreRow {
  id: string;
  cluster_id: string;
  name: string;
  purpose: ObjectStorePurpose;
  endpoint: string;
  region: string;
  bucket: string;
  prefix: string;
  path_style: boolean;
  access_key_id: string;
  secret_encrypted: string | null;
  secret_ref: string | null;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = `id, cluster_id, name, purpose, endpoint, region, bucket, prefix, path_style, access_key_id,
  secret_encrypted, secret_ref, created_at, updated_at`;

/** The secret as stored: sealed by the control plane (SecretBox), or an env:NAME reference. */
export type StoredSecret = { readonly sealed: string } | { readonly reference: string };

/** An object store with its stored secret; only the node view opens it, every admin answer masks it. */
export interface StoredObjectStore {
  readonly store: ObjectStore;
  readonly secret: StoredSecret;
}

export interface ObjectStoreFields {
  readonly name: string;
  readonly purpose: ObjectStorePurpose;
  readonly endpoint: string;
  readonly region: string;
  readonly bucket: string;
  readonly prefix: string;
  readonly pathStyle: boolean;
  readonly accessKeyId: string;
}

/** All SQL of object stores. */
@Injectable()
export class ObjectStoresRepository {
  constructor(@Inject(CP_DB) private readonly pool: Pool) {}

  /** Undefined when the cluster does not exist. */
  async create(
    id: string,
    clusterId: string,
    fields: ObjectStoreFields,
    secret: StoredSecret,
  ): Promise<StoredObjectStore | undefined> {
    try {
      const { rows } = await this.pool.query<ObjectStoreRow>(
        `INSERT INTO portico.object_stores (id, cluster_id, name, purpose, endpoint, region, bucket, prefix, path_style,
                                            access_key_id, secret_encrypted, secret_ref)
         SELECT $1, c.id, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12 FROM portico.clusters c WHERE c.id = $2
         RETURNING ${COLUMNS}`,
        [
          id,
          clusterId,
          fields.name,
          fields.purpose,
          fields.endpoint,
          fields.region,
          fields.bucket,
          fields.prefix,
          fields.pathStyle,
          fields.accessKeyId,
          'sealed' in secret ? secret.sealed : null,
          'reference' in secret ? secret.reference : null,
        ],
      );
      return rows[0] ? toStored(rows[0]) : undefined;
    } catch (error) {
      throw clash(error, fields);
    }
  }

  async listByCluster(clusterId: string): Promise<StoredObjectStore[]> {
    const { rows } = await this.pool.query<ObjectStoreRow>(
      `SELECT ${COLUMNS} FROM portico.object_stores WHERE cluster_id = $1 ORDER BY purpose, name, id`,
      [clusterId],
    );
    return rows.map(toStored);
  }

  async get(id: string): Promise<StoredObjectStore | undefined> {
    const { rows } = await this.pool.query<ObjectStoreRow>(
      `SELECT ${COLUMNS} FROM portico.object_stores WHERE id = $1`,
      [id],
    );
    return rows[0] ? toStored(rows[0]) : undefined;
  }

  /** Writes the merged fields (and the new secret, when given); updated_at moves only on a real change. */
  async update(
    id: string,
    fields: ObjectStoreFields,
    secret: StoredSecret | undefined,
  ): Promise<StoredObjectStore | undefined> {
    try {
      const { rows } = await this.pool.query<ObjectStoreRow>(
        `WITH next AS (
           SELECT id, $2::text AS name, $3::text AS purpose, $4::text AS endpoint, $5::text AS region,
                  $6::text AS bucket, $7::text AS prefix, $8::boolean AS path_style, $9::text AS access_key_id,
                  CASE WHEN $10 THEN $11::text ELSE secret_encrypted END AS secret_encrypted,
                  CASE WHEN $10 THEN $12::text ELSE secret_ref END AS secret_ref
             FROM portico.object_stores WHERE id = $1
         )
         UPDATE portico.object_stores o
            SET name = next.name, purpose = next.purpose, endpoint = next.endpoint, region = next.region,
                bucket = next.bucket, prefix = next.prefix, path_style = next.path_style,
                access_key_id = next.access_key_id, secret_encrypted = next.secret_encrypted,
                secret_ref = next.secret_ref,
                updated_at = CASE
                  WHEN $10 OR (o.name, o.purpose, o.endpoint, o.region, o.bucket, o.prefix, o.path_style,
                               o.access_key_id)
                     IS DISTINCT FROM (next.name, next.purpose, next.endpoint, next.region, next.bucket, next.prefix,
                                       next.path_style, next.access_key_id)
                  THEN now() ELSE o.updated_at END
           FROM next
          WHERE o.id = next.id
        RETURNING ${COLUMNS.split(',')
          .map((c) => `o.${c.trim()}`)
          .join(', ')}`,
        [
          id,
          fields.name,
          fields.purpose,
          fields.endpoint,
          fields.region,
          fields.bucket,
          fields.prefix,
          fields.pathStyle,
          fields.accessKeyId,
          secret !== undefined,
          secret && 'sealed' in secret ? secret.sealed : null,
          secret && 'reference' in secret ? secret.reference : null,
        ],
      );
      return rows[0] ? toStored(rows[0]) : undefined;
    } catch (error) {
      throw clash(error, fields);
    }
  }

  /** False when unknown; ConflictError while catalog files live in it. */
  async delete(id: string): Promise<boolean> {
    try {
      const { rowCount } = await this.pool.query('DELETE FROM portico.object_stores WHERE id = $1', [id]);
      return (rowCount ?? 0) > 0;
    } catch (error) {
      if (sqlState(error) === FOREIGN_KEY_VIOLATION)
        throw new ConflictError(
          `object store ${id} still holds files of the catalog; it cannot be deleted while they are recorded`,
        );
      throw error;
    }
  }
}

function clash(error: unknown, fields: ObjectStoreFields): unknown {
  if (sqlState(error) !== UNIQUE_VIOLATION) return error;
  const constraint = (error as { constraint?: unknown }).constraint;
  return constraint === 'object_stores_one_per_purpose_idx'
    ? new ConflictError(
        `the cluster has a ${fields.purpose} store already (one proxy and one archive store per cluster); ` +
          'update that one instead',
      )
    : new ConflictError(
        `an object store named "${fields.name}" already exists in this cluster; choose another name`,
      );
}

function toStored(row: ObjectStoreRow): StoredObjectStore {
  const secret: StoredSecret =
    row.secret_encrypted !== null ? { sealed: row.secret_encrypted } : { reference: row.secret_ref ?? '' };
  return {
    secret,
    store: {
      id: row.id,
      clusterId: row.cluster_id,
      name: row.name,
      purpose: row.purpose,
      endpoint: row.endpoint,
      region: row.region,
      bucket: row.bucket,
      prefix: row.prefix,
      pathStyle: row.path_style,
      accessKeyId: row.access_key_id,
      secret: 'sealed' in secret ? { kind: 'encrypted' } : { kind: 'reference', reference: secret.reference },
      createdAt: row.created_at.toISOString(),
      updatedAt: row.updated_at.toISOString(),
    },
  };
}
