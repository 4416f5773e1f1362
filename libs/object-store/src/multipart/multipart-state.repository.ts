// The multipart upload state in PostgreSQL (migration 0006). All of its SQL is here. Every
// statement stands alone, so it is safe behind pgBouncer in transaction mode.
import { randomUUID } from 'node:crypto';
import { type Pool } from 'pg';

import { type ChecksumAlgorithm } from '../checksum/checksum';
import {
  type BeginUpload,
  MultipartStateGoneError,
  MultipartStateStore,
  type MultipartTarget,
  type MultipartUploadState,
  type OtherUpload,
  type RecordedPart,
} from './multipart-state-store';

const TARGET = `cluster_id = $1 AND endpoint = $2 AND bucket = $3 AND object_key = $4`;

const FIND = `
SELECT id, upload_id, part_size::text AS part_size, total_size::text AS total_size
  FROM portico.multipart_uploads
 WHERE ${TARGET} AND checksum_algorithm = $5 AND checksum_value = $6`;

const PARTS = `
SELECT part_number, size::text AS size, etag, md5
  FROM portico.multipart_upload_parts
 WHERE multipart_upload_id = $1
 ORDER BY part_number`;

const BEGIN = `
INSERT INTO portico.multipart_uploads
       (id, cluster_id, endpoint, bucket, object_key, checksum_algorithm, checksum_value,
        upload_id, part_size, total_size)
VALUES ($7, $1, $2, $3, $4, $5, $6, $8, $9, $10)
    ON CONFLICT (cluster_id, endpoint, bucket, object_key, checksum_algorithm, checksum_value) DO NOTHING
RETURNING id`;

// One statement: the part is written only while its upload's row exists (a removed upload
// yields no row, not a foreign-key error), and the upload's updated_at shows it is alive.
const RECORD_PART = `
WITH upload AS (
  UPDATE portico.multipart_uploads SET updated_at = clock_timestamp() WHERE id = $1 RETURNING id
)
INSERT INTO portico.multipart_upload_parts (multipart_upload_id, part_number, size, etag, md5)
SELECT id, $2, $3, $4, $5 FROM upload
    ON CONFLICT (multipart_upload_id, part_number) DO UPDATE
   SET size = EXCLUDED.size, etag = EXCLUDED.etag, md5 = EXCLUDED.md5, recorded_at = clock_timestamp()
RETURNING part_number`;

const OTHERS = `
SELECT id, upload_id, checksum_algorithm, checksum_value
  FROM portico.multipart_uploads
 WHERE ${TARGET} AND NOT (checksum_algorithm = $5 AND checksum_value = $6)`;

const REMOVE = `DELETE FROM portico.multipart_uploads WHERE id = $1`;

interface UploadRow {
  id: string;
  upload_id: string;
  part_size: string;
  total_size: string;
}
interface PartRow {
  part_number: number;
  size: string;
  etag: string;
  md5: string;
}
interface OtherRow {
  id: string;
  upload_id: string;
  checksum_algorithm: string;
  checksum_value: string;
}

function targetValues(target: MultipartTarget): unknown[] {
  return [
    target.clusterId,
    target.endpoint,
    target.bucket,
    target.key,
    target.checksum.algorithm,
    target.checksum.value,
  ];
}

export class MultipartStateRepository extends MultipartStateStore {
  constructor(private readonly pool: Pool) {
    super();
  }

  async find(target: MultipartTarget): Promise<MultipartUploadState | null> {
    const { rows } = await this.pool.query<UploadRow>(FIND, targetValues(target));
    const row = rows[0];
    return row ? this.load(row) : null;
  }

  async begin(
    target: MultipartTarget,
    upload: BeginUpload,
  ): Promise<{ state: MultipartUploadState; created: boolean }> {
    const id = randomUUID();
    const { rowCount } = await this.pool.query(BEGIN, [
      ...targetValues(target),
      id,
      upload.uploadId,
      upload.partSize,
      upload.totalSize,
    ]);
    if (rowCount === 1)
      return {
        state: {
          id,
          uploadId: upload.uploadId,
          partSize: upload.partSize,
          totalSize: upload.totalSize,
          parts: [],
        },
        created: true,
      };
    const existing = await this.find(target);
    // Lost the race and the winner is already gone again: let the caller try afresh.
    if (!existing) throw new MultipartStateGoneError(id);
    return { state: existing, created: false };
  }

  async recordPart(stateId: string, part: RecordedPart): Promise<void> {
    const { rowCount } = await this.pool.query(RECORD_PART, [
      stateId,
      part.partNumber,
      part.size,
      part.etag,
      part.md5,
    ]);
    if (rowCount !== 1) throw new MultipartStateGoneError(stateId);
  }

  async others(target: MultipartTarget): Promise<OtherUpload[]> {
    const { rows } = await this.pool.query<OtherRow>(OTHERS, targetValues(target));
    return rows.map((row) => ({
      id: row.id,
      uploadId: row.upload_id,
      checksum: { algorithm: row.checksum_algorithm as ChecksumAlgorithm, value: row.checksum_value },
    }));
  }

  async remove(stateId: string): Promise<void> {
    await this.pool.query(REMOVE, [stateId]);
  }

  private async load(row: UploadRow): Promise<MultipartUploadState> {
    const { rows } = await this.pool.query<PartRow>(PARTS, [row.id]);
    return {
      id: row.id,
      uploadId: row.upload_id,
      partSize: Number(row.part_size),
      totalSize: Number(row.total_size),
      parts: rows.map((part) => ({
        partNumber: part.part_number,
        size: Number(part.size),
        etag: part.etag,
        md5: part.md5,
      })),
    };
  }
}
