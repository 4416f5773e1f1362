// The catalog's lists: assets and files with filters, newest first, keyset-paged on seq (see
// model/cursor.ts), and the scanner's walk of a storage's live files in path order. Filters that
// are not given are NULL parameters; node-postgres sends unnamed statements, so each query is
// planned with its actual values and the indexes of migration 0004 apply.
import { ASSET_COLUMNS, FILE_COLUMNS, FILES_FROM } from './catalog.repository';
import { type AssetRow, type FileRow, toAsset, toFile } from './catalog-rows';
import { assertCatalogPath, likePrefix } from './model/catalog-path';
import type {
  Asset,
  AssetStatus,
  CatalogFile,
  CatalogPage,
  FileLocation,
  FileStatus,
  FormatKind,
  MediaKind,
} from './model/catalog-model';
import { isSeqCursor, pageOf } from './model/cursor';
import type { SqlClient } from './sql-client';

interface PageRequest {
  /** A nextCursor of the previous page. */
  readonly cursor?: string;
  /** 1..1000. */
  readonly limit: number;
}

export interface AssetListQuery extends PageRequest {
  readonly clusterId: string;
  readonly status?: AssetStatus;
  readonly kind?: MediaKind;
  /** Paths (of the original) starting with this string. */
  readonly pathPrefix?: string;
  /** Only removed (true) or only present (false) assets; both when omitted. */
  readonly removed?: boolean;
}

export interface FileListQuery extends PageRequest {
  readonly clusterId: string;
  readonly status?: FileStatus;
  /** The kind of the file's format. */
  readonly formatKind?: FormatKind;
  readonly location?: FileLocation;
  readonly pathPrefix?: string;
  readonly removed?: boolean;
  readonly assetId?: string;
  readonly objectStoreId?: string;
}

export interface StorageWalkQuery {
  readonly storageId: string;
  /** Only paths under this directory (relative, without a trailing "/"). */
  readonly directory?: string;
  /** The last path of the previous page. */
  readonly afterPath?: string;
  readonly limit: number;
}

export class CatalogListRepository {
  async listAssets(db: SqlClient, query: AssetListQuery): Promise<CatalogPage<Asset>> {
    const limit = checkPage(query);
    const { rows } = await db.query<AssetRow>(
      `SELECT ${ASSET_COLUMNS} FROM portico.assets a
        WHERE a.cluster_id = $1
          AND ($2::text IS NULL OR a.status = $2)
          AND ($3::text IS NULL OR a.kind = $3)
          AND ($4::text IS NULL OR a.path LIKE $4)
          AND ($5::boolean IS NULL OR a.removed = $5)
          AND ($6::bigint IS NULL OR a.seq < $6)
        ORDER BY a.seq DESC
        LIMIT $7`,
      [
        query.clusterId,
        query.status ?? null,
        query.kind ?? null,
        query.pathPrefix === undefined ? null : likePrefix(query.pathPrefix),
        query.removed ?? null,
        query.cursor ?? null,
        limit + 1,
      ],
    );
    return pageOf(rows, limit, toAsset);
  }

  async listFiles(db: SqlClient, query: FileListQuery): Promise<CatalogPage<CatalogFile>> {
    const limit = checkPage(query);
    const { rows } = await db.query<FileRow>(
      `SELECT ${FILE_COLUMNS} FROM ${FILES_FROM}
        WHERE f.cluster_id = $1
          AND ($2::text IS NULL OR f.status = $2)
          AND ($3::text IS NULL OR fm.kind = $3)
          AND ($4::text IS NULL OR f.location = $4)
          AND ($5::text IS NULL OR f.path LIKE $5)
          AND ($6::boolean IS NULL OR f.removed = $6)
          AND ($7::uuid IS NULL OR f.asset_id = $7)
          AND ($8::uuid IS NULL OR f.object_store_id = $8)
          AND ($9::bigint IS NULL OR f.seq < $9)
        ORDER BY f.seq DESC
        LIMIT $10`,
      [
        query.clusterId,
        query.status ?? null,
        query.formatKind ?? null,
        query.location ?? null,
        query.pathPrefix === undefined ? null : likePrefix(query.pathPrefix),
        query.removed ?? null,
        query.assetId ?? null,
        query.objectStoreId ?? null,
        query.cursor ?? null,
        limit + 1,
      ],
    );
    return pageOf(rows, limit, toFile);
  }

  /**
   * The storage's live files in byte order of their paths, a page at a time: what a scan diffs
   * the tree it walks against. `nextAfter` is the afterPath of the next page (null: done).
   */
  async walkStorage(
    db: SqlClient,
    query: StorageWalkQuery,
  ): Promise<{ items: CatalogFile[]; nextAfter: string | null }> {
    if (!Number.isInteger(query.limit) || query.limit < 1 || query.limit > 10_000)
      throw new RangeError(`walk limit must be 1..10000, got ${query.limit}`);
    if (query.directory !== undefined) assertCatalogPath(query.directory);
    const { rows } = await db.query<FileRow>(
      `SELECT ${FILE_COLUMNS} FROM ${FILES_FROM}
        WHERE f.storage_id = $1 AND f.location = 'storage' AND NOT f.removed
          AND ($2::text IS NULL OR f.path LIKE $2)
          AND ($3::text IS NULL OR f.path > $3)
        ORDER BY f.path, f.seq
        LIMIT $4`,
      [
        query.storageId,
        query.directory === undefined ? null : likePrefix(`${query.directory}/`),
        query.afterPath ?? null,
        query.limit,
      ],
    );
    const items = rows.map(toFile);
    // Ingest keeps one live version per path (a new version supersedes the old), so a page
    // boundary never splits a path.
    return {
      items,
      nextAfter: items.length === query.limit ? (items[items.length - 1]?.path ?? null) : null,
    };
  }
}

function checkPage(page: PageRequest): number {
  if (!Number.isInteger(page.limit) || page.limit < 1 || page.limit > 1000)
    throw new RangeError(`page limit must be 1..1000, got ${page.limit}`);
  if (page.cursor !== undefined && !isSeqCursor(page.cursor))
    throw new RangeError(`cursor "${page.cursor.slice(0, 40)}" is not one this list returned`);
  return page.limit;
}
