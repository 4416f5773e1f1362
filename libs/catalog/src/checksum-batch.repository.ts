// Set-based checksum recording: what the CHECKSUM role runs for a whole batch of files inside one
// fenced transaction, in a constant number of statements whatever the batch size. The outcome is
// the one CatalogRepository.recordChecksums would give for each file, one after another in the
// order of the files' seq (the order they were ingested in), so both paths can coexist — but for
// one thing: a file is never linked to a file that is already linked to it (recordChecksums does
// that when an original is recorded again, making a cycle).
//
// Locks are taken first and in id order (files, then their assets), so two batches sharing files
// wait on each other instead of deadlocking. Files are locked FOR NO KEY UPDATE: that serialises
// recorders of one file but not the key-share lock a duplicate link to it takes, so two batches
// linking into each other's files never wait in a cycle.
import { randomUUID } from 'node:crypto';

import { ASSET_COLUMNS } from './catalog.repository';
import { type AssetRow, toAsset } from './catalog-rows';
import { CatalogNotFoundError } from './errors';
import {
  type Asset,
  type FileStatus,
  type FormatKind,
  type MediaKind,
  OUTPUT_FORMAT_KINDS,
  type OutputFormatKind,
} from './model/catalog-model';
import { type ChecksumAlgorithm, isChecksumAlgorithm, normalizeChecksums } from './model/checksums';
import type { SqlClient } from './sql-client';

/** One file of a batch and the digests computed for it. */
export interface ChecksumBatchItem {
  readonly fileId: string;
  /** algorithm → hex digest, as recordChecksums takes them (normalise the same way). */
  readonly checksums: Readonly<Record<string, string>>;
}

export interface ChecksumBatch {
  readonly clusterId: string;
  readonly items: readonly ChecksumBatchItem[];
  /** As ChecksumRecord.linkDuplicatesBy. */
  readonly linkDuplicatesBy?: ChecksumAlgorithm;
  /**
   * Kinds of asset that have nothing to make (no transcode profile): a registered asset of one of
   * them, with no output planned, becomes ready in the same update that makes it checksummed —
   * what markReadyIfCompleteMany would do next, without a second write of every asset row.
   */
  readonly readyKinds?: readonly MediaKind[];
}

/** What recording one file of a batch did (recordChecksums' outcome, and the file's asset). */
export interface RecordedChecksums {
  readonly fileId: string;
  readonly assetId: string;
  /** As ChecksumOutcome.mismatches. */
  readonly mismatches: string[];
  /** As ChecksumOutcome.duplicateOf (a link made now, or one the file already had). */
  readonly duplicateOf: { readonly fileId: string; readonly assetId: string } | null;
  /** The file's asset after the record, its row locked FOR NO KEY UPDATE (as lockAsset) until the transaction ends. */
  readonly asset: Asset;
}

/** The outputs to plan for one asset (see CatalogRepository.expectOutputs). */
export interface OutputPlan {
  readonly assetId: string;
  readonly kinds: readonly OutputFormatKind[];
}

// How these statements find rows: by key only — a LATERAL per input (not flattened: it locks or
// has a LIMIT), or "id = ANY (ARRAY(…))" with no other indexable condition. A condition on
// cluster_id beside "id = ANY" lets a planner without statistics scan the whole cluster through
// an index led by cluster_id; the cluster is checked once, per row, when the files are locked.
//
// Statement 1. Its own statement: a later statement's snapshot is taken once the locks are
// granted, so it sees whatever a batch we waited for committed (a stale snapshot would miss the
// checksums and links that batch recorded in files outside ours). The nested loop over the ids in
// order locks the files in id order; the files' assets follow, in id order too (both CTEs are
// read, so both run).
const LOCK_BATCH = `
WITH file AS MATERIALIZED (
  SELECT f.id, f.asset_id
    FROM (SELECT k.id FROM unnest($2::uuid[]) AS k(id) ORDER BY k.id) k
    CROSS JOIN LATERAL (
      SELECT f.id, f.asset_id FROM portico.files f
       WHERE f.id = k.id AND f.cluster_id = $1
         FOR NO KEY UPDATE
    ) f
), asset AS MATERIALIZED (
  SELECT a.id FROM portico.assets a
   WHERE a.id = ANY (ARRAY(SELECT asset_id FROM file))
   ORDER BY a.id
     FOR NO KEY UPDATE
)
SELECT (SELECT count(*) FROM file)::int AS files, (SELECT count(*) FROM asset)::int AS assets`;

/**
 * Statement 2: RECORD_CHECKSUMS for every file at once (a mismatch fails the file, existing digests
 * win, an ORIGINAL without mismatch makes its registered asset checksummed — or ready, for a kind
 * of $3 with no output planned), returning what the
 * duplicate links need: each file's state before and after, and the best original outside the
 * batch with its digest — LINK_DUPLICATE's look-up, one LATERAL per file through the algorithm's
 * expression index, so its cost does not depend on the planner's statistics. Files of the batch
 * are left out of that look-up: their state changes during the batch, and the caller works out
 * which of them count (see resolveLinks).
 */
const RECORD_BATCH = (algorithm: ChecksumAlgorithm | undefined): string => `
WITH input AS (
  SELECT i.file_id, i.checksums FROM json_to_recordset($2::json) AS i(file_id uuid, checksums jsonb)
), rec AS MATERIALIZED (
  SELECT f.id, f.seq, f.asset_id, f.format_kind, f.removed, f.status AS old_status, f.duplicate_of,
         f.checksums AS old_checksums, i.checksums || f.checksums AS merged, m.algorithms AS mismatches
    FROM input i
    CROSS JOIN LATERAL (
      SELECT f.id, f.seq, f.asset_id, fm.kind AS format_kind, f.removed, f.status, f.duplicate_of, f.checksums
        FROM portico.files f JOIN portico.formats fm ON fm.id = f.format_id
       WHERE f.id = i.file_id AND f.cluster_id = $1
       LIMIT 1
    ) f
    CROSS JOIN LATERAL (
      SELECT coalesce(array_agg(n.key ORDER BY n.key), '{}') AS algorithms
        FROM jsonb_each_text(i.checksums) AS n(key, value)
       WHERE f.checksums ? n.key AND f.checksums ->> n.key <> n.value
    ) m
), updated AS (
  UPDATE portico.files f
     SET checksums = rec.merged,
         status = CASE
           WHEN cardinality(rec.mismatches) > 0 THEN 'failed'
           WHEN f.status = 'registered' THEN 'checksummed'
           ELSE f.status END,
         status_reason = CASE
           WHEN cardinality(rec.mismatches) > 0 THEN
             format('checksum mismatch (%s): the content differs from the digest recorded before; '
                    'check the file and its copies', array_to_string(rec.mismatches, ', '))
           ELSE f.status_reason END,
         updated_at = now()
    FROM rec
   WHERE f.id = ANY (ARRAY(SELECT id FROM rec)) AND f.id = rec.id
  RETURNING f.id, f.status
), asset AS (
  UPDATE portico.assets a
     SET status = CASE
           WHEN a.kind = ANY ($3::text[])
            AND NOT EXISTS (SELECT 1 FROM portico.formats fm WHERE fm.asset_id = a.id AND fm.kind <> 'ORIGINAL')
           THEN 'ready' ELSE 'checksummed' END,
         updated_at = now()
   WHERE a.id = ANY (ARRAY(SELECT asset_id FROM rec WHERE format_kind = 'ORIGINAL' AND cardinality(mismatches) = 0))
     AND a.status = 'registered'
)
SELECT r.id, r.seq::text AS seq, r.asset_id, r.format_kind, r.removed, r.mismatches, r.old_status, u.status,
       r.duplicate_of, (SELECT d.asset_id FROM portico.files d WHERE d.id = r.duplicate_of) AS duplicate_asset_id,
       ${algorithm === undefined ? 'NULL::text' : `r.old_checksums ->> '${algorithm}'`} AS old_digest,
       ${algorithm === undefined ? 'NULL::text' : `r.merged ->> '${algorithm}'`} AS digest,
       c.id AS candidate_id, c.asset_id AS candidate_asset_id, c.seq::text AS candidate_seq,
       c.removed AS candidate_removed, c.linked AS candidate_linked
  FROM rec r
  JOIN updated u ON u.id = r.id
  LEFT JOIN LATERAL (${algorithm === undefined ? NO_CANDIDATE : CANDIDATE(algorithm)}) c ON true`;

const NO_CANDIDATE = `SELECT NULL::uuid AS id, NULL::uuid AS asset_id, NULL::bigint AS seq, NULL::boolean AS removed,
         NULL::boolean AS linked WHERE false`;

/**
 * LINK_DUPLICATE's `original`, for a file `r` that may link (ORIGINAL, not linked, no mismatch),
 * except that a file already linked to `r` is no candidate: recording an original again must not
 * link it to its own duplicate (a cycle).
 */
const CANDIDATE = (algorithm: ChecksumAlgorithm): string => `
    SELECT o.id, o.asset_id, o.seq, o.removed, o.duplicate_of IS NOT NULL AS linked
      FROM portico.files o
      JOIN portico.formats ofm ON ofm.id = o.format_id AND ofm.kind = 'ORIGINAL'
     WHERE r.format_kind = 'ORIGINAL' AND r.duplicate_of IS NULL AND cardinality(r.mismatches) = 0
       AND o.cluster_id = $1 AND o.checksums ? '${algorithm}'
       AND (o.checksums ->> '${algorithm}') = (r.merged ->> '${algorithm}')
       AND o.asset_id <> r.asset_id AND o.status <> 'failed' AND o.duplicate_of IS DISTINCT FROM r.id
       AND o.id <> ALL (ARRAY(SELECT id FROM rec))
     ORDER BY (o.duplicate_of IS NOT NULL), o.removed, o.seq
     LIMIT 1`;

// Statement 3: the links worked out from statement 2, and the assets as they are now (the
// statement's snapshot includes statement 2's updates; the rows are locked since statement 1).
const LINK_BATCH = `
WITH link AS (
  SELECT * FROM unnest($1::uuid[], $2::uuid[]) AS l(file_id, original_id)
), linked AS (
  UPDATE portico.files f SET duplicate_of = l.original_id, updated_at = now()
    FROM link l
   WHERE f.id = ANY ($1::uuid[]) AND f.id = l.file_id
)
SELECT ${ASSET_COLUMNS} FROM portico.assets a WHERE a.id = ANY ($3::uuid[])`;

// EXPECT_OUTPUTS for many assets. Nothing is inserted unless every asset is in the cluster, so a
// refused call changes nothing. Inserted in (asset, kind) order: two transactions planning the
// same formats wait on each other's rows in one order.
const EXPECT_OUTPUTS_BATCH = `
WITH missing AS (
  SELECT coalesce(array_agg(t.id ORDER BY t.n), '{}') AS ids
    FROM unnest($2::uuid[]) WITH ORDINALITY AS t(id, n)
   WHERE (SELECT a.cluster_id FROM portico.assets a WHERE a.id = t.id) IS DISTINCT FROM $1
), made AS (
  INSERT INTO portico.formats (id, asset_id, kind)
  SELECT k.id, k.asset_id, k.kind
    FROM unnest($3::uuid[], $4::uuid[], $5::text[]) AS k(id, asset_id, kind), missing
   WHERE cardinality(missing.ids) = 0
   ORDER BY k.asset_id, k.kind
  ON CONFLICT (asset_id, kind) DO NOTHING
)
SELECT ids AS missing FROM missing`;

// As LOCK_ASSET, in id order. markReadyIfCompleteMany counts outputs in the next statement, whose
// snapshot is taken after these locks are granted (see CatalogRepository.markReadyIfComplete).
const LOCK_ASSETS = `
SELECT a.id, a.status
  FROM (SELECT k.id FROM unnest($2::uuid[]) AS k(id) ORDER BY k.id) k
  CROSS JOIN LATERAL (
    SELECT a.id, a.status FROM portico.assets a
     WHERE a.id = k.id AND a.cluster_id = $1
       FOR NO KEY UPDATE
  ) a`;

// MARK_READY for the assets LOCK_ASSETS found checksummed in the cluster (locked since, so still
// checksummed: no status condition, which would let the planner scan assets_cluster_status_seq_idx).
// The files of each output format are found by asset alone (files_asset_idx) and sorted out in the
// counts: conditions on location, removed or object store would let a planner without statistics
// walk every output of the database (files_cluster_outputs_idx, files_object_idx) per asset.
const MARK_READY_BATCH = `
UPDATE portico.assets a SET status = 'ready', status_reason = NULL, updated_at = now()
 WHERE a.id = ANY ($2::uuid[])
   AND NOT EXISTS (
     SELECT 1
       FROM portico.formats fm
       CROSS JOIN LATERAL (
         SELECT count(*) FILTER (WHERE f.output) AS files,
                count(*) FILTER (WHERE f.output AND f.status <> 'stored') AS unstored
           FROM (
             SELECT f.status,
                    f.location = 'object_store' AND NOT f.removed
                      AND f.object_store_id = (SELECT s.id FROM portico.object_stores s
                                                WHERE s.cluster_id = $1 AND s.purpose = 'proxy') AS output
               FROM portico.files f
              WHERE f.asset_id = a.id AND f.format_id = fm.id
           ) f
       ) o
      WHERE fm.asset_id = a.id AND fm.kind <> 'ORIGINAL' AND (o.files = 0 OR o.unstored > 0))
RETURNING a.id`;

/** A batch file as statement 2 leaves it, with the best original outside the batch for it. */
interface RecordedRow {
  id: string;
  seq: string;
  asset_id: string;
  format_kind: FormatKind;
  removed: boolean;
  mismatches: string[];
  old_status: FileStatus;
  status: FileStatus;
  duplicate_of: string | null;
  duplicate_asset_id: string | null;
  old_digest: string | null;
  digest: string | null;
  candidate_id: string | null;
  candidate_asset_id: string | null;
  candidate_seq: string | null;
  candidate_removed: boolean | null;
  candidate_linked: boolean | null;
}

/** An original a file may link to, with what LINK_DUPLICATE orders by. */
interface Original {
  readonly fileId: string;
  readonly assetId: string;
  readonly linked: boolean;
  readonly removed: boolean;
  readonly seq: bigint;
}

type Link = RecordedChecksums['duplicateOf'];

/** The catalog's checksum writes for a batch of files, in the caller's transaction. */
export class ChecksumBatchRepository {
  /**
   * recordChecksums for every file of the batch, with the outcome calling it file after file in
   * seq order would give (except that no file is linked to its own duplicate), in three
   * statements whatever the batch size. Files of the batch not
   * found in the cluster are absent from the map (the caller decides what that means); the others
   * are in the order of the items. Throws RangeError, before any statement, for a file given
   * twice, a file without digests, a bad digest or an unknown algorithm.
   */
  async recordChecksumsMany(db: SqlClient, batch: ChecksumBatch): Promise<Map<string, RecordedChecksums>> {
    const items = checkBatch(batch);
    const outcomes = new Map<string, RecordedChecksums>();
    if (items.length === 0) return outcomes;
    const { clusterId } = batch;
    const algorithm = batch.linkDuplicatesBy;

    const { rows: locked } = await db.query<{ files: number }>(LOCK_BATCH, [
      clusterId,
      items.map((item) => item.fileId),
    ]);
    if (!locked[0]?.files) return outcomes;

    const { rows } = await db.query<RecordedRow>(RECORD_BATCH(algorithm), [
      clusterId,
      JSON.stringify(items.map((item) => ({ file_id: item.fileId, checksums: item.checksums }))),
      [...(batch.readyKinds ?? [])],
    ]);
    const links = algorithm === undefined ? new Map<string, Original>() : resolveLinks(rows);
    const assetIds = [...new Set(rows.map((row) => row.asset_id))];
    const { rows: assets } = await db.query<AssetRow>(LINK_BATCH, [
      [...links.keys()],
      [...links.values()].map((original) => original.fileId),
      assetIds,
    ]);

    const assetById = new Map(assets.map((row) => [row.id, toAsset(row)]));
    const rowById = new Map(rows.map((row) => [row.id, row]));
    for (const item of items) {
      const row = rowById.get(item.fileId);
      if (!row) continue;
      const asset = assetById.get(row.asset_id);
      if (!asset) throw new Error(`asset ${row.asset_id} of file ${row.id} vanished while it was locked`);
      outcomes.set(row.id, {
        fileId: row.id,
        assetId: row.asset_id,
        mismatches: row.mismatches,
        duplicateOf: algorithm === undefined ? null : duplicateOf(row, links.get(row.id)),
        asset,
      });
    }
    return outcomes;
  }

  /**
   * expectOutputs for many assets at once, in one statement (kinds of one asset given in several
   * plans are merged). Throws CatalogNotFoundError (as expectOutputs) if an asset is not in the
   * cluster, and then plans nothing; RangeError for a kind that is not an output format.
   */
  async expectOutputsMany(db: SqlClient, clusterId: string, plans: readonly OutputPlan[]): Promise<void> {
    if (plans.length === 0) return;
    const kindsByAsset = new Map<string, Set<OutputFormatKind>>();
    for (const plan of plans) {
      const kinds = kindsByAsset.get(plan.assetId) ?? new Set<OutputFormatKind>();
      for (const kind of plan.kinds) {
        if (!(OUTPUT_FORMAT_KINDS as readonly string[]).includes(kind))
          throw new RangeError(
            `"${String(kind)}" is not an output format (one of ${OUTPUT_FORMAT_KINDS.join(', ')}), ` +
              `planned for asset ${plan.assetId}`,
          );
        kinds.add(kind);
      }
      kindsByAsset.set(plan.assetId, kinds);
    }
    const formats = [...kindsByAsset].flatMap(([assetId, kinds]) =>
      [...kinds].map((kind) => ({ assetId, kind })),
    );
    const { rows } = await db.query<{ missing: string[] }>(EXPECT_OUTPUTS_BATCH, [
      clusterId,
      [...kindsByAsset.keys()],
      formats.map(() => randomUUID()),
      formats.map((format) => format.assetId),
      formats.map((format) => format.kind),
    ]);
    const missing = rows[0]?.missing ?? [];
    if (missing.length > 0) throw assetsNotFound(missing, clusterId, 'no output was planned');
  }

  /**
   * markReadyIfComplete for many assets: each checksummed asset whose planned outputs are all
   * stored in the cluster's proxy store becomes ready (at once with none planned); other statuses
   * are left alone. Locks the assets in id order, then checks them in a second statement, whose
   * snapshot sees every output committed while it waited. Returns the ids of the assets that
   * became ready now, in the order given. Throws CatalogNotFoundError if an asset is not in the
   * cluster, and then changes nothing.
   */
  async markReadyIfCompleteMany(
    db: SqlClient,
    clusterId: string,
    assetIds: readonly string[],
  ): Promise<string[]> {
    const ids = [...new Set(assetIds)];
    if (ids.length === 0) return [];
    const { rows: locked } = await db.query<{ id: string; status: string }>(LOCK_ASSETS, [clusterId, ids]);
    if (locked.length < ids.length) {
      const found = new Set(locked.map((row) => row.id));
      throw assetsNotFound(
        ids.filter((id) => !found.has(id)),
        clusterId,
        'no asset was marked ready',
      );
    }
    const checksummed = locked.filter((row) => row.status === 'checksummed').map((row) => row.id);
    if (checksummed.length === 0) return [];
    const { rows } = await db.query<{ id: string }>(MARK_READY_BATCH, [clusterId, checksummed]);
    const ready = new Set(rows.map((row) => row.id));
    return ids.filter((id) => ready.has(id));
  }
}

/** The items with their digests normalised; throws RangeError naming the file on bad input. */
function checkBatch(batch: ChecksumBatch): ChecksumBatchItem[] {
  const algorithm = batch.linkDuplicatesBy;
  if (algorithm !== undefined && !isChecksumAlgorithm(algorithm))
    throw new RangeError(`unknown checksum algorithm "${String(algorithm)}" for duplicate detection`);
  const seen = new Set<string>();
  return batch.items.map((item) => {
    if (seen.has(item.fileId))
      throw new RangeError(
        `file ${item.fileId} is given twice in one checksum batch; record each file once per batch`,
      );
    seen.add(item.fileId);
    let checksums: Record<string, string>;
    try {
      checksums = normalizeChecksums(item.checksums);
    } catch (error) {
      throw new RangeError(`checksums of file ${item.fileId}: ${(error as Error).message}`);
    }
    if (Object.keys(checksums).length === 0)
      throw new RangeError(`no checksums given for file ${item.fileId}; pass at least one digest`);
    return { fileId: item.fileId, checksums };
  });
}

/**
 * The duplicate links recordChecksums would make, file after file in seq order: file → original.
 * A file of the batch may link only when it is an ORIGINAL, not linked yet and without mismatch;
 * it takes the best (live before linked, present before removed, then oldest) of the original
 * statement 2 found outside the batch and the files of the batch of another asset with its digest
 * and not failed — seen as recorded when their seq is lower (they were recorded before it), as
 * they were before the batch otherwise. A file linked to it is no candidate (no cycle).
 */
function resolveLinks(rows: readonly RecordedRow[]): Map<string, Original> {
  const inSeqOrder = [...rows].sort((a, b) => compareBigInt(BigInt(a.seq), BigInt(b.seq)));
  const recorded = new Set<string>();
  const links = new Map<string, Original>();
  for (const file of inSeqOrder) {
    if (mayLink(file)) {
      let best = outsideCandidate(file);
      for (const other of inSeqOrder) {
        if (other.format_kind !== 'ORIGINAL' || other.asset_id === file.asset_id) continue;
        const done = recorded.has(other.id);
        const digest = done ? other.digest : other.old_digest;
        const status = done ? other.status : other.old_status;
        const linkedTo = other.duplicate_of ?? (done ? links.get(other.id)?.fileId : undefined) ?? null;
        if (digest !== file.digest || status === 'failed' || linkedTo === file.id) continue;
        const candidate: Original = {
          fileId: other.id,
          assetId: other.asset_id,
          linked: linkedTo !== null,
          removed: other.removed,
          seq: BigInt(other.seq),
        };
        if (!best || ranksBefore(candidate, best)) best = candidate;
      }
      if (best) links.set(file.id, best);
    }
    recorded.add(file.id);
  }
  return links;
}

function mayLink(file: RecordedRow): boolean {
  return (
    file.format_kind === 'ORIGINAL' &&
    file.duplicate_of === null &&
    file.mismatches.length === 0 &&
    file.digest !== null
  );
}

function outsideCandidate(file: RecordedRow): Original | undefined {
  if (file.candidate_id === null || file.candidate_asset_id === null || file.candidate_seq === null)
    return undefined;
  return {
    fileId: file.candidate_id,
    assetId: file.candidate_asset_id,
    linked: file.candidate_linked === true,
    removed: file.candidate_removed === true,
    seq: BigInt(file.candidate_seq),
  };
}

/** LINK_DUPLICATE's ORDER BY (o.duplicate_of IS NOT NULL), o.removed, o.seq. */
function ranksBefore(a: Original, b: Original): boolean {
  if (a.linked !== b.linked) return !a.linked;
  if (a.removed !== b.removed) return !a.removed;
  return a.seq < b.seq;
}

function compareBigInt(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** As recordChecksums: nothing on a mismatch, else the link made now or the one the file had. */
function duplicateOf(row: RecordedRow, linked: Original | undefined): Link {
  if (row.mismatches.length > 0) return null;
  if (linked) return { fileId: linked.fileId, assetId: linked.assetId };
  if (row.duplicate_of !== null && row.duplicate_asset_id !== null)
    return { fileId: row.duplicate_of, assetId: row.duplicate_asset_id };
  return null;
}

function assetsNotFound(
  ids: readonly string[],
  clusterId: string,
  consequence: string,
): CatalogNotFoundError {
  const list = ids.slice(0, 10).join(', ') + (ids.length > 10 ? ` and ${ids.length - 10} more` : '');
  return new CatalogNotFoundError(
    `asset${ids.length > 1 ? 's' : ''} ${list} ${ids.length > 1 ? 'are' : 'is'} not in the catalog of cluster ` +
      `${clusterId}; ${consequence}: check the ids, or drop the missing ones`,
  );
}
