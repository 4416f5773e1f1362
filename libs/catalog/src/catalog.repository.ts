// All SQL that writes the catalog, and its point look-ups. Every method takes the client to run
// on, so that callers put catalog writes in the same transaction as the job they enqueue next
// (the leader's term-fenced transaction for ingest, a job attempt's fenced transaction for
// checksums and outputs). Statements assume READ COMMITTED, PostgreSQL's default.
import { randomUUID } from 'node:crypto';

import {
  type AssetRow,
  type FileRow,
  type FormatRow,
  contentVersionKey,
  toAsset,
  toFile,
  toFormat,
} from './catalog-rows';
import { CatalogConflictError, CatalogNotFoundError } from './errors';
import { assertCatalogPath, baseName } from './model/catalog-path';
import {
  type Asset,
  type AssetDetail,
  type AssetStatus,
  type CatalogFile,
  type FileStatus,
  type FormatKind,
  type MediaKind,
  OUTPUT_FORMAT_KINDS,
  type OutputFormatKind,
} from './model/catalog-model';
import {
  type ChecksumAlgorithm,
  checksumProblem,
  isChecksumAlgorithm,
  normalizeChecksums,
} from './model/checksums';
import { mediaKindOfPath } from './model/media-kind';
import type { SqlClient } from './sql-client';

export const ASSET_COLUMNS = `a.id, a.seq::text AS seq, a.cluster_id, a.storage_id, a.name, a.path, a.kind,
  a.media_info, a.status, a.status_reason, a.removed, a.removed_at, a.created_at, a.updated_at`;

/** Needs `portico.files f JOIN portico.formats fm ON fm.id = f.format_id`. */
export const FILE_COLUMNS = `f.id, f.seq::text AS seq, f.cluster_id, f.asset_id, f.format_id, fm.kind AS format_kind,
  f.location, f.storage_id, f.path, f.object_store_id, f.object_key, f.size::text AS size, f.mtime,
  f.inode::text AS inode, f.checksums, f.status, f.status_reason, f.duplicate_of, f.removed, f.removed_at,
  f.created_at, f.updated_at`;

export const FILES_FROM = 'portico.files f JOIN portico.formats fm ON fm.id = f.format_id';

const UNIQUE_VIOLATION = '23505';
const FOREIGN_KEY_VIOLATION = '23503';

/** One file found on the storage, stable (its growing-file wait is over). */
export interface IngestInput {
  /** Relative to the storage root, "/"-separated. */
  readonly path: string;
  readonly size: number;
  /** Millisecond precision (fs.Stats.mtime); part of the content version. */
  readonly mtime: Date;
  readonly inode?: bigint | number | string | null;
  /** Defaults to a guess from the extension. */
  readonly kind?: MediaKind;
}

export interface IngestResult {
  /** True for exactly one ingest of each content version, across every leader and retry. */
  readonly created: boolean;
  readonly fileId: string;
  readonly assetId: string;
  readonly path: string;
  /** 'empty' for a zero-byte file (never transcoded), else 'registered' when created. */
  readonly status: FileStatus;
  /** The previous version's file, marked removed by this ingest (its asset is reused). */
  readonly replaced: string | null;
}

export interface StorageFileInput {
  readonly clusterId: string;
  readonly assetId: string;
  readonly storageId: string;
  readonly path: string;
  readonly size: number;
  readonly mtime: Date;
  readonly inode?: bigint | number | string | null;
  readonly checksums?: Readonly<Record<string, string>>;
}

export interface ObjectFileInput {
  readonly clusterId: string;
  readonly assetId: string;
  readonly formatKind: FormatKind;
  readonly objectStoreId: string;
  readonly objectKey: string;
  readonly size: number;
  readonly checksums?: Readonly<Record<string, string>>;
  /** 'pending' before the upload, 'stored' once it is verified. */
  readonly status: Extract<FileStatus, 'pending' | 'stored'>;
}

export interface ChecksumRecord {
  readonly clusterId: string;
  readonly fileId: string;
  readonly checksums: Readonly<Record<string, string>>;
  /** Link the file to an older original with the same digest of this algorithm (duplicate detection). */
  readonly linkDuplicatesBy?: ChecksumAlgorithm;
}

export interface ChecksumOutcome {
  readonly file: CatalogFile;
  /** Algorithms whose digest differs from the one recorded before: the file is marked failed. */
  readonly mismatches: string[];
  /** The original this file duplicates, when duplicate detection found one. */
  readonly duplicateOf: { readonly fileId: string; readonly assetId: string } | null;
}

export interface ReadinessOutcome {
  /** The asset after the check (locked by the caller's transaction until it ends). */
  readonly asset: Asset;
  /** True for the one call that made it ready. */
  readonly becameReady: boolean;
}

export interface RemovalOutcome {
  /** Files marked removed by this call (already removed ones are left out). */
  readonly fileIds: string[];
  /** Assets whose last original on the storage this call removed. */
  readonly assetIds: string[];
}

interface IngestedRow {
  id: string;
  asset_id: string;
  path: string;
  size: string;
  mtime: Date;
  status: FileStatus;
  replaced?: string | null;
}

// One statement per batch: the file rows first, ON CONFLICT on the content version; assets and
// ORIGINAL formats only for the rows that were inserted. Foreign keys are checked at the end of
// the statement, when the parents exist too. A new version of a path that has a live row
// supersedes it: the old row is marked removed and the new one joins the same asset, whose
// checksum state and media info start over.
// Every look-up of existing rows is by key (LATERAL per input, = ANY of ids), so the cost of a
// batch does not grow with the catalog, whatever the planner's statistics say. Rows are inserted
// in input order, so list order (seq) follows it.
const INGEST = `
WITH input AS (
  SELECT * FROM unnest($3::uuid[], $4::uuid[], $5::uuid[], $6::text[], $7::bigint[], $8::timestamptz[],
                       $9::numeric[], $10::text[], $11::text[], $12::text[]) WITH ORDINALITY
           AS i(file_id, asset_id, format_id, path, size, mtime, inode, name, kind, status, n)
), prev AS (
  SELECT i.file_id AS input_id, p.id AS prev_id, p.asset_id, p.format_id
    FROM input i
    CROSS JOIN LATERAL (
      SELECT f.id, f.asset_id, f.format_id
        FROM portico.files f JOIN portico.formats fm ON fm.id = f.format_id AND fm.kind = 'ORIGINAL'
       WHERE f.storage_id = $2 AND f.path = i.path AND f.location = 'storage' AND NOT f.removed
         AND (f.size <> i.size OR f.mtime <> i.mtime)
       ORDER BY f.seq DESC
       LIMIT 1
    ) p
), src AS (
  SELECT i.file_id, coalesce(p.asset_id, i.asset_id) AS asset_id, coalesce(p.format_id, i.format_id) AS format_id,
         p.prev_id, i.path, i.size, i.mtime, i.inode, i.name, i.kind, i.status, i.n
    FROM input i LEFT JOIN prev p ON p.input_id = i.file_id
), new_file AS (
  INSERT INTO portico.files (id, cluster_id, asset_id, format_id, location, storage_id, path, size, mtime, inode, status)
  SELECT file_id, $1, asset_id, format_id, 'storage', $2, path, size, mtime, inode, status FROM src ORDER BY n
  ON CONFLICT (storage_id, path, size, mtime) WHERE location = 'storage' AND NOT removed DO NOTHING
  RETURNING id, asset_id, path, size::text AS size, mtime, status
), renewed AS (
  SELECT s.* FROM src s JOIN new_file n ON n.id = s.file_id WHERE s.prev_id IS NOT NULL
), superseded AS (
  UPDATE portico.files f SET removed = true, removed_at = now(), updated_at = now()
   WHERE f.id = ANY (ARRAY(SELECT prev_id FROM renewed))
), new_asset AS (
  INSERT INTO portico.assets (id, cluster_id, storage_id, name, path, kind, status)
  SELECT s.asset_id, $1, $2, s.name, s.path, s.kind, s.status
    FROM src s JOIN new_file n ON n.id = s.file_id WHERE s.prev_id IS NULL
   ORDER BY s.n
), new_format AS (
  INSERT INTO portico.formats (id, asset_id, kind)
  SELECT s.format_id, s.asset_id, 'ORIGINAL' FROM src s JOIN new_file n ON n.id = s.file_id WHERE s.prev_id IS NULL
), renewed_asset AS (
  UPDATE portico.assets a
     SET status = r.status, status_reason = NULL, kind = r.kind, media_info = NULL,
         removed = false, removed_at = NULL, updated_at = now()
    FROM renewed r
   WHERE a.id = ANY (ARRAY(SELECT asset_id FROM renewed)) AND a.id = r.asset_id
)
SELECT n.*, s.prev_id AS replaced FROM new_file n JOIN src s ON s.file_id = n.id`;

const LIVE_VERSIONS = `
SELECT f.id, f.asset_id, f.path, f.size::text AS size, f.mtime, f.status
  FROM unnest($2::text[], $3::bigint[], $4::timestamptz[]) AS k(path, size, mtime)
  CROSS JOIN LATERAL (
    SELECT * FROM portico.files f
     WHERE f.storage_id = $1 AND f.path = k.path AND f.size = k.size AND f.mtime = k.mtime
       AND f.location = 'storage' AND NOT f.removed
     LIMIT 1
  ) f`;

// The format of an asset, made on first use. A concurrent insert of the same format makes this
// statement see neither row (its snapshot predates the other commit); the caller retries.
const UPSERT_FORMAT = `
WITH asset AS (
  SELECT id FROM portico.assets WHERE id = $2 AND cluster_id = $4
), ins AS (
  INSERT INTO portico.formats (id, asset_id, kind) SELECT $1, id, $3 FROM asset
  ON CONFLICT (asset_id, kind) DO NOTHING
  RETURNING id
)
SELECT id FROM ins
UNION ALL
SELECT fm.id FROM portico.formats fm JOIN asset ON fm.asset_id = asset.id WHERE fm.kind = $3`;

const ADD_STORAGE_FILE = `
WITH new_file AS (
  INSERT INTO portico.files (id, cluster_id, asset_id, format_id, location, storage_id, path, size, mtime, inode,
                             checksums, status)
  VALUES ($1, $2, $3, $4, 'storage', $5, $6, $7, $8, $9, $10::jsonb,
          CASE WHEN $7::bigint = 0 THEN 'empty' WHEN $10::jsonb <> '{}'::jsonb THEN 'checksummed' ELSE 'registered' END)
  ON CONFLICT (storage_id, path, size, mtime) WHERE location = 'storage' AND NOT removed DO NOTHING
  RETURNING id, asset_id
), revived AS (
  UPDATE portico.assets a
     SET removed = false, removed_at = NULL, path = $6, name = $11, updated_at = now()
   WHERE a.id = $3 AND EXISTS (SELECT 1 FROM new_file)
)
SELECT id FROM new_file`;

const ADD_OBJECT_FILE = `
INSERT INTO portico.files (id, cluster_id, asset_id, format_id, location, object_store_id, object_key, size,
                           checksums, status)
VALUES ($1, $2, $3, $4, 'object_store', $5, $6, $7, $8::jsonb, $9)
ON CONFLICT (object_store_id, object_key) WHERE location = 'object_store' AND NOT removed DO UPDATE
   SET size = EXCLUDED.size,
       checksums = portico.files.checksums || EXCLUDED.checksums,
       status = EXCLUDED.status,
       status_reason = NULL,
       updated_at = now()
 WHERE portico.files.asset_id = EXCLUDED.asset_id AND portico.files.format_id = EXCLUDED.format_id
RETURNING id, (xmax = 0) AS created`;

// Existing digests win: a different one for an algorithm already recorded is a mismatch (the
// content changed or is corrupt), which fails the file instead of overwriting the record.
const RECORD_CHECKSUMS = `
WITH old AS (
  SELECT f.id, f.asset_id, f.checksums, fm.kind AS format_kind
    FROM portico.files f JOIN portico.formats fm ON fm.id = f.format_id
   WHERE f.id = $1 AND f.cluster_id = $2
     FOR UPDATE OF f
), mismatch AS (
  SELECT coalesce(array_agg(n.key ORDER BY n.key), '{}') AS algorithms
    FROM old, jsonb_each_text($3::jsonb) AS n(key, value)
   WHERE old.checksums ? n.key AND old.checksums ->> n.key <> n.value
), updated AS (
  UPDATE portico.files f
     SET checksums = $3::jsonb || old.checksums,
         status = CASE
           WHEN cardinality(mismatch.algorithms) > 0 THEN 'failed'
           WHEN f.status = 'registered' THEN 'checksummed'
           ELSE f.status END,
         status_reason = CASE
           WHEN cardinality(mismatch.algorithms) > 0 THEN
             format('checksum mismatch (%s): the content differs from the digest recorded before; '
                    'check the file and its copies', array_to_string(mismatch.algorithms, ', '))
           ELSE f.status_reason END,
         updated_at = now()
    FROM old, mismatch
   WHERE f.id = $1 AND f.id = old.id
  RETURNING f.id
), asset AS (
  UPDATE portico.assets a SET status = 'checksummed', updated_at = now()
   WHERE a.id = (SELECT asset_id FROM old WHERE format_kind = 'ORIGINAL') AND a.status = 'registered'
     AND (SELECT cardinality(algorithms) FROM mismatch) = 0
)
SELECT mismatch.algorithms FROM mismatch, updated`;

/** The oldest other original in the cluster with the same digest (live ones first). */
const LINK_DUPLICATE = (algorithm: ChecksumAlgorithm): string => `
WITH me AS (
  SELECT f.id, f.asset_id, f.cluster_id, f.checksums ->> '${algorithm}' AS digest
    FROM portico.files f JOIN portico.formats fm ON fm.id = f.format_id
   WHERE f.id = $1 AND f.cluster_id = $2 AND fm.kind = 'ORIGINAL' AND f.duplicate_of IS NULL
     AND f.checksums ? '${algorithm}'
), original AS (
  SELECT o.id, o.asset_id
    FROM me
    JOIN portico.files o ON o.cluster_id = me.cluster_id AND o.checksums ? '${algorithm}'
                        AND (o.checksums ->> '${algorithm}') = me.digest
    JOIN portico.formats ofm ON ofm.id = o.format_id AND ofm.kind = 'ORIGINAL'
   WHERE o.asset_id <> me.asset_id AND o.status <> 'failed'
     -- Never link back to a file that is itself linked to this one (an original recorded again).
     AND o.duplicate_of IS DISTINCT FROM me.id
   ORDER BY (o.duplicate_of IS NOT NULL), o.removed, o.seq
   LIMIT 1
), linked AS (
  UPDATE portico.files f SET duplicate_of = original.id, updated_at = now()
    FROM original WHERE f.id = $1
  RETURNING original.id, original.asset_id
)
SELECT id, asset_id FROM linked`;

const EXISTING_DUPLICATE = `
SELECT o.id, o.asset_id FROM portico.files f JOIN portico.files o ON o.id = f.duplicate_of
 WHERE f.id = $1 AND f.cluster_id = $2`;

const MARK_MOVED = `
WITH moved AS (
  UPDATE portico.files f SET path = $3, updated_at = now()
   WHERE f.id = $1 AND f.cluster_id = $2 AND f.location = 'storage' AND NOT f.removed
  RETURNING f.id, f.asset_id, f.format_id
), asset AS (
  UPDATE portico.assets a SET path = $3, name = $4, updated_at = now()
   WHERE a.id = (SELECT m.asset_id FROM moved m
                   JOIN portico.formats fm ON fm.id = m.format_id AND fm.kind = 'ORIGINAL')
)
SELECT id FROM moved`;

// An asset is removed when its last live original on the storage goes. The statement's snapshot
// does not see its own updates, hence the explicit exclusion of the files removed here.
const MARK_REMOVED = `
WITH gone AS (
  UPDATE portico.files SET removed = true, removed_at = now(), updated_at = now()
   WHERE id = ANY($2::uuid[]) AND cluster_id = $1 AND NOT removed
  RETURNING id, asset_id
), asset_gone AS (
  UPDATE portico.assets a SET removed = true, removed_at = now(), updated_at = now()
   WHERE a.id = ANY (ARRAY(SELECT asset_id FROM gone)) AND NOT a.removed
     AND NOT EXISTS (
       SELECT 1 FROM portico.files f JOIN portico.formats fm ON fm.id = f.format_id AND fm.kind = 'ORIGINAL'
        WHERE f.asset_id = a.id AND f.location = 'storage' AND NOT f.removed
          AND NOT (f.id = ANY (ARRAY(SELECT id FROM gone))))
  RETURNING a.id
)
SELECT (SELECT coalesce(array_agg(id), '{}') FROM gone) AS files,
       (SELECT coalesce(array_agg(id), '{}') FROM asset_gone) AS assets`;

// The outputs the pipeline plans for an asset are its formats, made empty when its transcodes are
// planned: an empty format is an output still to come, so the first output stored is never
// mistaken for the last.
const EXPECT_OUTPUTS = `
WITH asset AS (
  SELECT id FROM portico.assets WHERE id = $1 AND cluster_id = $2
), made AS (
  INSERT INTO portico.formats (id, asset_id, kind)
  SELECT k.id, asset.id, k.kind FROM asset, unnest($3::uuid[], $4::text[]) AS k(id, kind)
  ON CONFLICT (asset_id, kind) DO NOTHING
)
SELECT count(*)::int AS n FROM asset`;

const LOCK_OUTPUT_FORMAT = `
SELECT fm.id FROM portico.formats fm JOIN portico.assets a ON a.id = fm.asset_id
 WHERE fm.asset_id = $1 AND a.cluster_id = $2 AND fm.kind = $3 AND fm.kind <> 'ORIGINAL'
   FOR UPDATE OF fm`;

const DROP_EMPTY_FORMAT = `
DELETE FROM portico.formats fm
 WHERE fm.id = $1 AND NOT EXISTS (SELECT 1 FROM portico.files f WHERE f.asset_id = $2 AND f.format_id = fm.id)`;

// NO KEY UPDATE: it serializes readiness checks of one asset without blocking the key-share locks
// that inserting its files takes (a FOR UPDATE here would deadlock two transcodes of one asset).
const LOCK_ASSET = `
SELECT ${ASSET_COLUMNS} FROM portico.assets a WHERE a.id = $1 AND a.cluster_id = $2 FOR NO KEY UPDATE`;

// Ready when no output format lacks files in the cluster's proxy store or has one not stored yet.
// ORIGINAL copies (archives) are not outputs. Look-ups go through files_asset_idx.
const MARK_READY = `
UPDATE portico.assets a SET status = 'ready', status_reason = NULL, updated_at = now()
 WHERE a.id = $1 AND a.cluster_id = $2 AND a.status = 'checksummed'
   AND NOT EXISTS (
     SELECT 1
       FROM portico.formats fm
       CROSS JOIN LATERAL (
         SELECT count(*) AS files, count(*) FILTER (WHERE f.status <> 'stored') AS unstored
           FROM portico.files f
          WHERE f.asset_id = a.id AND f.format_id = fm.id AND f.location = 'object_store' AND NOT f.removed
            AND f.object_store_id = (SELECT s.id FROM portico.object_stores s
                                      WHERE s.cluster_id = $2 AND s.purpose = 'proxy')
       ) o
      WHERE fm.asset_id = a.id AND fm.kind <> 'ORIGINAL' AND (o.files = 0 OR o.unstored > 0))
RETURNING ${ASSET_COLUMNS}`;

/** The catalog's writes and point look-ups (lists are in CatalogListRepository). */
export class CatalogRepository {
  /**
   * Registers a file as an asset with an ORIGINAL format and the file, once per content version
   * (storage, path, size, mtime): the first ingest creates the rows (`created: true`); any other
   * ingest of the same live version — concurrent, retried, by another leader — finds them. A new
   * version of a path already catalogued becomes a new file row of the same asset (`replaced`).
   */
  async ingest(
    db: SqlClient,
    clusterId: string,
    storageId: string,
    input: IngestInput,
  ): Promise<IngestResult> {
    const [result] = await this.ingestMany(db, clusterId, storageId, [input]);
    if (!result) throw new Error(`ingest of ${input.path} returned no row`);
    return result;
  }

  /** ingest() for a batch in two statements; results are in input order (a repeated input is found, not created). */
  async ingestMany(
    db: SqlClient,
    clusterId: string,
    storageId: string,
    inputs: readonly IngestInput[],
  ): Promise<IngestResult[]> {
    if (inputs.length === 0) return [];
    for (const input of inputs) checkIngestInput(input);
    const fileIds = inputs.map(() => randomUUID());
    const { rows: created } = await db
      .query<IngestedRow>(INGEST, [
        clusterId,
        storageId,
        fileIds,
        inputs.map(() => randomUUID()),
        inputs.map(() => randomUUID()),
        inputs.map((i) => i.path),
        inputs.map((i) => i.size),
        inputs.map((i) => i.mtime),
        inputs.map((i) => (i.inode === undefined || i.inode === null ? null : String(i.inode))),
        inputs.map((i) => baseName(i.path)),
        inputs.map((i) => i.kind ?? mediaKindOfPath(i.path)),
        inputs.map((i) => (i.size === 0 ? 'empty' : 'registered')),
      ])
      .catch((error: unknown) => {
        throw storageProblem(error, clusterId, storageId);
      });
    const byId = new Map(created.map((row) => [row.id, row]));
    const missing = inputs.filter((_, n) => !byId.has(fileIds[n]!));
    const existing = new Map<string, IngestedRow>();
    if (missing.length > 0) {
      const { rows } = await db.query<IngestedRow>(LIVE_VERSIONS, [
        storageId,
        missing.map((i) => i.path),
        missing.map((i) => i.size),
        missing.map((i) => i.mtime),
      ]);
      for (const row of rows) existing.set(contentVersionKey(row.path, row.size, row.mtime), row);
    }
    return inputs.map((input, n) => {
      const mine = byId.get(fileIds[n]!);
      const row = mine ?? existing.get(contentVersionKey(input.path, input.size, input.mtime));
      if (!row)
        throw new CatalogConflictError(
          `ingest of ${input.path} (${input.size} bytes) neither created nor found its file row: it was ` +
            'removed concurrently; scan again',
        );
      return {
        created: mine !== undefined,
        fileId: row.id,
        assetId: row.asset_id,
        path: row.path,
        status: row.status,
        replaced: mine?.replaced ?? null,
      };
    });
  }

  /**
   * Adds a file on the storage to an existing asset (a restore, or a copy the pipeline made) and
   * clears the asset's removed flag. Idempotent on the content version: `created` is false when
   * the live version exists already (possibly under another asset: check `file.assetId`).
   */
  async addStorageFile(
    db: SqlClient,
    input: StorageFileInput,
  ): Promise<{ created: boolean; file: CatalogFile }> {
    checkIngestInput(input);
    const checksums = normalizeChecksums(input.checksums ?? {});
    const formatId = await this.formatId(db, input.clusterId, input.assetId, 'ORIGINAL');
    const { rows } = await db
      .query<{ id: string }>(ADD_STORAGE_FILE, [
        randomUUID(),
        input.clusterId,
        input.assetId,
        formatId,
        input.storageId,
        input.path,
        input.size,
        input.mtime,
        input.inode === undefined || input.inode === null ? null : String(input.inode),
        JSON.stringify(checksums),
        baseName(input.path),
      ])
      .catch((error: unknown) => {
        throw storageProblem(error, input.clusterId, input.storageId);
      });
    const id =
      rows[0]?.id ??
      (
        await db.query<{ id: string }>(LIVE_VERSIONS, [
          input.storageId,
          [input.path],
          [input.size],
          [input.mtime],
        ])
      ).rows[0]?.id;
    const file = id ? await this.getFile(db, id, input.clusterId) : undefined;
    if (!file) throw new CatalogConflictError(`file ${input.path} was removed while it was added; retry`);
    return { created: rows.length > 0, file };
  }

  /**
   * Records a file in an object store: an output (PROXY, KEYFRAMES, POSTER in the proxy store) or a
   * copy of the original (archive, export). An upsert on (object store, key): recording the same
   * object again updates its size, status and checksums. Throws CatalogConflictError when the
   * key is recorded for another asset or format.
   */
  async addObjectFile(
    db: SqlClient,
    input: ObjectFileInput,
  ): Promise<{ created: boolean; file: CatalogFile }> {
    if (input.objectKey === '' || input.objectKey.length > 1024)
      throw new RangeError(`object key "${input.objectKey.slice(0, 100)}" must be 1..1024 characters`);
    checkSize(input.size, input.objectKey);
    const checksums = normalizeChecksums(input.checksums ?? {});
    const formatId = await this.formatId(db, input.clusterId, input.assetId, input.formatKind);
    const { rows } = await db
      .query<{ id: string; created: boolean }>(ADD_OBJECT_FILE, [
        randomUUID(),
        input.clusterId,
        input.assetId,
        formatId,
        input.objectStoreId,
        input.objectKey,
        input.size,
        JSON.stringify(checksums),
        input.status,
      ])
      .catch((error: unknown) => {
        if (sqlState(error) === FOREIGN_KEY_VIOLATION)
          throw new CatalogNotFoundError(
            `object store ${input.objectStoreId} is not an object store of cluster ${input.clusterId}; ` +
              'check the cluster configuration',
          );
        throw error;
      });
    const row = rows[0];
    if (!row)
      throw new CatalogConflictError(
        `object ${input.objectKey} in object store ${input.objectStoreId} is recorded for another asset or ` +
          `format than asset ${input.assetId} ${input.formatKind}; use a key unique to the asset's output`,
      );
    const file = await this.getFile(db, row.id, input.clusterId);
    if (!file) throw new Error(`file ${row.id} vanished after it was recorded`);
    return { created: row.created, file };
  }

  /**
   * Merges checksums into a file (a registered file becomes checksummed, and so does its asset
   * when the file is its original). A digest that differs from one recorded before fails the file
   * instead. With `linkDuplicatesBy`, an older original with the same digest becomes its
   * `duplicateOf`. Idempotent: recording the same digests again changes nothing.
   */
  async recordChecksums(db: SqlClient, record: ChecksumRecord): Promise<ChecksumOutcome> {
    const checksums = normalizeChecksums(record.checksums);
    if (Object.keys(checksums).length === 0)
      throw new RangeError(`no checksums given for file ${record.fileId}; pass at least one digest`);
    const algorithm = record.linkDuplicatesBy;
    if (algorithm !== undefined && !isChecksumAlgorithm(algorithm))
      throw new RangeError(`unknown checksum algorithm "${String(algorithm)}" for duplicate detection`);
    const { rows } = await db.query<{ algorithms: string[] }>(RECORD_CHECKSUMS, [
      record.fileId,
      record.clusterId,
      JSON.stringify(checksums),
    ]);
    const mismatches = rows[0]?.algorithms;
    if (!mismatches) throw fileNotFound(record.fileId, record.clusterId);
    let duplicateOf: ChecksumOutcome['duplicateOf'] = null;
    if (algorithm !== undefined && mismatches.length === 0) {
      const linked = await db.query<{ id: string; asset_id: string }>(LINK_DUPLICATE(algorithm), [
        record.fileId,
        record.clusterId,
      ]);
      const found =
        linked.rows[0] ??
        (
          await db.query<{ id: string; asset_id: string }>(EXISTING_DUPLICATE, [
            record.fileId,
            record.clusterId,
          ])
        ).rows[0];
      duplicateOf = found ? { fileId: found.id, assetId: found.asset_id } : null;
    }
    const file = await this.getFile(db, record.fileId, record.clusterId);
    if (!file) throw fileNotFound(record.fileId, record.clusterId);
    return { file, mismatches, duplicateOf };
  }

  /** Records what ffprobe found, and the media kind it implies (when given). */
  async recordMediaInfo(
    db: SqlClient,
    clusterId: string,
    assetId: string,
    mediaInfo: Record<string, unknown>,
    kind?: MediaKind,
  ): Promise<Asset> {
    const { rows } = await db.query<AssetRow>(
      `UPDATE portico.assets a SET media_info = $3::jsonb, kind = coalesce($4, kind), updated_at = now()
        WHERE id = $1 AND cluster_id = $2
      RETURNING ${ASSET_COLUMNS}`,
      [assetId, clusterId, JSON.stringify(mediaInfo), kind ?? null],
    );
    if (!rows[0]) throw assetNotFound(assetId, clusterId);
    return toAsset(rows[0]);
  }

  async setAssetStatus(
    db: SqlClient,
    clusterId: string,
    assetId: string,
    status: AssetStatus,
    reason: string | null = null,
  ): Promise<Asset> {
    const { rows } = await db.query<AssetRow>(
      `UPDATE portico.assets a SET status = $3, status_reason = $4, updated_at = now()
        WHERE id = $1 AND cluster_id = $2
      RETURNING ${ASSET_COLUMNS}`,
      [assetId, clusterId, status, reason],
    );
    if (!rows[0]) throw assetNotFound(assetId, clusterId);
    return toAsset(rows[0]);
  }

  async setFileStatus(
    db: SqlClient,
    clusterId: string,
    fileId: string,
    status: FileStatus,
    reason: string | null = null,
  ): Promise<CatalogFile> {
    const { rowCount } = await db.query(
      `UPDATE portico.files SET status = $3, status_reason = $4, updated_at = now()
        WHERE id = $1 AND cluster_id = $2`,
      [fileId, clusterId, status, reason],
    );
    const file = rowCount ? await this.getFile(db, fileId, clusterId) : undefined;
    if (!file) throw fileNotFound(fileId, clusterId);
    return file;
  }

  /**
   * Plans outputs of an asset (with its transcode jobs): their formats are made, empty, so that the
   * asset is not ready before each has its files stored. Idempotent.
   */
  async expectOutputs(
    db: SqlClient,
    clusterId: string,
    assetId: string,
    kinds: readonly OutputFormatKind[],
  ): Promise<void> {
    const unique = [...new Set(kinds)];
    for (const kind of unique)
      if (!(OUTPUT_FORMAT_KINDS as readonly string[]).includes(kind))
        throw new RangeError(
          `"${String(kind)}" is not an output format (one of ${OUTPUT_FORMAT_KINDS.join(', ')})`,
        );
    const { rows } = await db.query<{ n: number }>(EXPECT_OUTPUTS, [
      assetId,
      clusterId,
      unique.map(() => randomUUID()),
      unique,
    ]);
    if (!rows[0]?.n) throw assetNotFound(assetId, clusterId);
  }

  /**
   * A planned output that turns out to have nothing to make (e.g. keyframes of a file that probes
   * as audio): its format goes, unless files were recorded in it. True when it was dropped.
   * Locks the format first, so that a file being recorded in it is either seen or waits.
   */
  async dropExpectedOutput(
    db: SqlClient,
    clusterId: string,
    assetId: string,
    kind: OutputFormatKind,
  ): Promise<boolean> {
    const { rows } = await db.query<{ id: string }>(LOCK_OUTPUT_FORMAT, [assetId, clusterId, kind]);
    if (!rows[0]) return false;
    const { rowCount } = await db.query(DROP_EMPTY_FORMAT, [rows[0].id, assetId]);
    return (rowCount ?? 0) > 0;
  }

  /**
   * Marks a checksummed asset ready when every output planned for it is stored: each of its output
   * formats has files in the cluster's proxy store, none pending (with no output format, nothing
   * to transcode, it is ready at once). Empty, failed and ready assets are left as they are.
   * Run it on the client of the transaction that recorded the change (a stored upload, a
   * transcode's outcome): the asset row is locked by one statement and the outputs counted by the
   * next, whose snapshot is taken after the lock is granted, so of two transactions storing the
   * last outputs at once the second one counts after the first commits, and sees both.
   */
  async markReadyIfComplete(db: SqlClient, clusterId: string, assetId: string): Promise<ReadinessOutcome> {
    const locked = await this.lockAsset(db, clusterId, assetId);
    if (locked.status !== 'checksummed') return { asset: locked, becameReady: false };
    const { rows } = await db.query<AssetRow>(MARK_READY, [assetId, clusterId]);
    return rows[0] ? { asset: toAsset(rows[0]), becameReady: true } : { asset: locked, becameReady: false };
  }

  /**
   * The asset, its row locked until the caller's transaction ends: readiness decisions on it wait
   * for this transaction (files can still be recorded under it meanwhile).
   */
  async lockAsset(db: SqlClient, clusterId: string, assetId: string): Promise<Asset> {
    const { rows } = await db.query<AssetRow>(LOCK_ASSET, [assetId, clusterId]);
    if (!rows[0]) throw assetNotFound(assetId, clusterId);
    return toAsset(rows[0]);
  }

  /**
   * A file moved on the storage (same content, new path): the row follows it, and so does its
   * asset when it is the original. Undefined when the file is unknown or removed. Throws
   * CatalogConflictError when the new path already holds a live row of the same content version.
   */
  async markMoved(
    db: SqlClient,
    clusterId: string,
    fileId: string,
    newPath: string,
  ): Promise<CatalogFile | undefined> {
    assertCatalogPath(newPath);
    const { rows } = await db
      .query<{ id: string }>(MARK_MOVED, [fileId, clusterId, newPath, baseName(newPath)])
      .catch((error: unknown) => {
        if (sqlState(error) === UNIQUE_VIOLATION)
          throw new CatalogConflictError(
            `cannot move file ${fileId} to ${newPath}: that path already holds a live file with the same ` +
              'size and mtime; mark one of them removed first',
          );
        throw error;
      });
    return rows[0] ? this.getFile(db, fileId, clusterId) : undefined;
  }

  /** Marks files removed; an asset whose last live original on the storage goes is marked removed too. */
  async markRemoved(db: SqlClient, clusterId: string, fileIds: readonly string[]): Promise<RemovalOutcome> {
    if (fileIds.length === 0) return { fileIds: [], assetIds: [] };
    const { rows } = await db.query<{ files: string[]; assets: string[] }>(MARK_REMOVED, [
      clusterId,
      [...fileIds],
    ]);
    return { fileIds: rows[0]?.files ?? [], assetIds: rows[0]?.assets ?? [] };
  }

  /** An asset with its formats and their files (removed files included). Any cluster when clusterId is omitted. */
  async getAsset(db: SqlClient, assetId: string, clusterId?: string): Promise<AssetDetail | undefined> {
    const { rows } = await db.query<AssetRow>(
      `SELECT ${ASSET_COLUMNS} FROM portico.assets a WHERE a.id = $1 AND ($2::uuid IS NULL OR a.cluster_id = $2)`,
      [assetId, clusterId ?? null],
    );
    if (!rows[0]) return undefined;
    const formats = await db.query<FormatRow>(
      `SELECT id, asset_id, kind, created_at FROM portico.formats WHERE asset_id = $1
        ORDER BY array_position(ARRAY['ORIGINAL', 'PROXY', 'KEYFRAMES', 'POSTER'], kind)`,
      [assetId],
    );
    const files = await db.query<FileRow>(
      `SELECT ${FILE_COLUMNS} FROM ${FILES_FROM} WHERE f.asset_id = $1 ORDER BY f.seq`,
      [assetId],
    );
    const all = files.rows.map(toFile);
    return {
      asset: toAsset(rows[0]),
      formats: formats.rows.map((row) => ({
        ...toFormat(row),
        files: all.filter((file) => file.formatId === row.id),
      })),
    };
  }

  /** A file by id. Any cluster when clusterId is omitted. */
  async getFile(db: SqlClient, fileId: string, clusterId?: string): Promise<CatalogFile | undefined> {
    const { rows } = await db.query<FileRow>(
      `SELECT ${FILE_COLUMNS} FROM ${FILES_FROM} WHERE f.id = $1 AND ($2::uuid IS NULL OR f.cluster_id = $2)`,
      [fileId, clusterId ?? null],
    );
    return rows[0] ? toFile(rows[0]) : undefined;
  }

  /** Files on the storage at exactly this path, newest first (every content version seen there, when includeRemoved). */
  async findFilesByPath(
    db: SqlClient,
    clusterId: string,
    path: string,
    options: { includeRemoved?: boolean } = {},
  ): Promise<CatalogFile[]> {
    const { rows } = await db.query<FileRow>(
      `SELECT ${FILE_COLUMNS} FROM ${FILES_FROM}
        WHERE f.cluster_id = $1 AND f.path = $2 AND ($3 OR NOT f.removed)
        ORDER BY f.seq DESC LIMIT 100`,
      [clusterId, path, options.includeRemoved ?? false],
    );
    return rows.map(toFile);
  }

  /** Files of the cluster with this digest (any location, removed ones included), oldest first, at most 100. */
  async findFilesByChecksum(
    db: SqlClient,
    clusterId: string,
    algorithm: ChecksumAlgorithm,
    digest: string,
  ): Promise<CatalogFile[]> {
    const problem = checksumProblem(algorithm, digest);
    if (problem) throw new RangeError(problem);
    const { rows } = await db.query<FileRow>(
      `SELECT ${FILE_COLUMNS} FROM ${FILES_FROM}
        WHERE f.cluster_id = $1 AND f.checksums ? '${algorithm}' AND (f.checksums ->> '${algorithm}') = $2
        ORDER BY f.seq LIMIT 100`,
      [clusterId, digest.toLowerCase()],
    );
    return rows.map(toFile);
  }

  /** Live files on the storage with this inode: the candidates of a move (compare size and mtime). */
  async findLiveFilesByInode(
    db: SqlClient,
    storageId: string,
    inode: bigint | number | string,
  ): Promise<CatalogFile[]> {
    const { rows } = await db.query<FileRow>(
      `SELECT ${FILE_COLUMNS} FROM ${FILES_FROM}
        WHERE f.storage_id = $1 AND f.location = 'storage' AND NOT f.removed AND f.inode = $2::numeric
        ORDER BY f.seq`,
      [storageId, String(inode)],
    );
    return rows.map(toFile);
  }

  /** Which of these ids are not assets / files of the cluster (for validating event targets). */
  async missingTargets(
    db: SqlClient,
    clusterId: string,
    assetIds: readonly string[],
    fileIds: readonly string[],
  ): Promise<{ assetIds: string[]; fileIds: string[] }> {
    const { rows } = await db.query<{ assets: string[]; files: string[] }>(
      `SELECT
         (SELECT coalesce(array_agg(id ORDER BY n), '{}') FROM unnest($2::uuid[]) WITH ORDINALITY AS t(id, n)
           WHERE NOT EXISTS (SELECT 1 FROM portico.assets a WHERE a.id = t.id AND a.cluster_id = $1)) AS assets,
         (SELECT coalesce(array_agg(id ORDER BY n), '{}') FROM unnest($3::uuid[]) WITH ORDINALITY AS t(id, n)
           WHERE NOT EXISTS (SELECT 1 FROM portico.files f WHERE f.id = t.id AND f.cluster_id = $1)) AS files`,
      [clusterId, [...assetIds], [...fileIds]],
    );
    return { assetIds: rows[0]?.assets ?? [], fileIds: rows[0]?.files ?? [] };
  }

  /** The asset's format of this kind, made on first use. */
  private async formatId(
    db: SqlClient,
    clusterId: string,
    assetId: string,
    kind: FormatKind,
  ): Promise<string> {
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const { rows } = await db.query<{ id: string }>(UPSERT_FORMAT, [
        randomUUID(),
        assetId,
        kind,
        clusterId,
      ]);
      if (rows[0]) return rows[0].id;
      const { rows: asset } = await db.query(
        'SELECT 1 FROM portico.assets WHERE id = $1 AND cluster_id = $2',
        [assetId, clusterId],
      );
      if (asset.length === 0) throw assetNotFound(assetId, clusterId);
    }
    throw new CatalogConflictError(`format ${kind} of asset ${assetId} could not be created or found; retry`);
  }
}

function checkIngestInput(input: { path: string; size: number; mtime: Date }): void {
  assertCatalogPath(input.path);
  checkSize(input.size, input.path);
  if (Number.isNaN(input.mtime.getTime())) throw new RangeError(`mtime of ${input.path} is not a valid date`);
}

function checkSize(size: number, subject: string): void {
  if (!Number.isSafeInteger(size) || size < 0)
    throw new RangeError(`size of ${subject} must be a whole number of bytes >= 0, got ${size}`);
}

function sqlState(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function storageProblem(error: unknown, clusterId: string, storageId: string): unknown {
  return sqlState(error) === FOREIGN_KEY_VIOLATION
    ? new CatalogNotFoundError(
        `storage ${storageId} is not the storage of cluster ${clusterId} (or the asset is not in it); ` +
          'check the cluster configuration',
      )
    : error;
}

function assetNotFound(assetId: string, clusterId: string): CatalogNotFoundError {
  return new CatalogNotFoundError(`asset ${assetId} is not in the catalog of cluster ${clusterId}`);
}

function fileNotFound(fileId: string, clusterId: string): CatalogNotFoundError {
  return new CatalogNotFoundError(`file ${fileId} is not in the catalog of cluster ${clusterId}`);
}
