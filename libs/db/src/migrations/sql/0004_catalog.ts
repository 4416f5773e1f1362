// Migration 0004: the catalog — each cluster's storage and object stores, the media catalog
// (assets, formats, files) and the events users request on the control plane. Nodes write the
// catalog directly, in the same transaction as the job they enqueue next; the control plane reads it.
//
// Cluster isolation is enforced by the keys, not only by the queries: a row that points at a
// storage or an object store carries its cluster_id in the foreign key, so it can never point into
// another cluster. A file's asset is referenced by id alone (see files), and every write takes the
// file's cluster from its asset.
export const sql = `
-- One cluster serves one storage (a NAS every node mounts). The overrides, when set, replace the
-- ignore_patterns and growing_files_threshold_seconds settings for this storage's scans.
CREATE TABLE portico.storages (
  id uuid PRIMARY KEY,
  cluster_id uuid NOT NULL UNIQUE REFERENCES portico.clusters (id) ON DELETE CASCADE,
  name text NOT NULL,
  -- The default mount point; a node's own mount_point overrides it.
  mount_point text CHECK (mount_point IS NULL OR left(mount_point, 1) = '/'),
  -- Directories to scan, relative to the storage root; empty means the whole storage.
  scan_directories text[] NOT NULL DEFAULT '{}',
  ignore_patterns text[],
  growing_files_threshold_seconds integer CHECK (growing_files_threshold_seconds BETWEEN 0 AND 86400),
  -- What a delete event may do: nothing (forbid), the storage copy only, or every copy.
  delete_policy text NOT NULL DEFAULT 'storage-only'
    CHECK (delete_policy IN ('forbid', 'storage-only', 'everywhere')),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (id, cluster_id)
);

-- S3-compatible buckets (+ prefix). The secret access key is either encrypted by the control
-- plane (AES-256-GCM under its secret-key) or a reference (env:NAME) each node resolves itself;
-- never both, never in clear.
CREATE TABLE portico.object_stores (
  id uuid PRIMARY KEY,
  cluster_id uuid NOT NULL REFERENCES portico.clusters (id) ON DELETE CASCADE,
  name text NOT NULL,
  purpose text NOT NULL CHECK (purpose IN ('proxy', 'archive', 'export')),
  endpoint text NOT NULL,
  region text NOT NULL,
  bucket text NOT NULL,
  prefix text NOT NULL DEFAULT '',
  path_style boolean NOT NULL DEFAULT false,
  access_key_id text NOT NULL,
  secret_encrypted text,
  secret_ref text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (cluster_id, name),
  UNIQUE (id, cluster_id),
  CHECK ((secret_encrypted IS NULL) <> (secret_ref IS NULL))
);
-- The pipeline needs to know where proxies and archives go: one of each per cluster (exports may be many).
CREATE UNIQUE INDEX object_stores_one_per_purpose_idx ON portico.object_stores (cluster_id, purpose)
  WHERE purpose IN ('proxy', 'archive');

-- Paths are relative to the storage root and compared byte-wise (COLLATE "C"): file names are
-- bytes, not words, and a btree on a C-collated column serves LIKE 'prefix%' and path order.
CREATE TABLE portico.assets (
  id uuid PRIMARY KEY,
  -- Cursor order of lists: a row inserted while someone pages is never returned twice.
  seq bigint GENERATED ALWAYS AS IDENTITY,
  cluster_id uuid NOT NULL REFERENCES portico.clusters (id) ON DELETE CASCADE,
  storage_id uuid NOT NULL,
  name text NOT NULL,
  -- Where the original is on the storage (follows moves).
  path text COLLATE "C" NOT NULL,
  kind text NOT NULL DEFAULT 'unknown' CHECK (kind IN ('video', 'audio', 'image', 'other', 'unknown')),
  media_info jsonb,
  status text NOT NULL CHECK (status IN ('registered', 'empty', 'checksummed', 'ready', 'failed')),
  status_reason text,
  -- The original is no longer on the storage (copies in object stores may remain).
  removed boolean NOT NULL DEFAULT false,
  removed_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (storage_id, cluster_id) REFERENCES portico.storages (id, cluster_id),
  CHECK (removed = (removed_at IS NOT NULL))
);
CREATE INDEX assets_cluster_seq_idx ON portico.assets (cluster_id, seq DESC);
CREATE INDEX assets_cluster_status_seq_idx ON portico.assets (cluster_id, status, seq DESC);
CREATE INDEX assets_cluster_path_idx ON portico.assets (cluster_id, path);

CREATE TABLE portico.formats (
  id uuid PRIMARY KEY,
  asset_id uuid NOT NULL REFERENCES portico.assets (id) ON DELETE CASCADE,
  kind text NOT NULL CHECK (kind IN ('ORIGINAL', 'PROXY', 'KEYFRAMES', 'POSTER')),
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (asset_id, kind),
  UNIQUE (id, asset_id)
);

CREATE TABLE portico.files (
  id uuid PRIMARY KEY,
  seq bigint GENERATED ALWAYS AS IDENTITY,
  cluster_id uuid NOT NULL REFERENCES portico.clusters (id) ON DELETE CASCADE,
  asset_id uuid NOT NULL,
  format_id uuid NOT NULL,
  location text NOT NULL CHECK (location IN ('storage', 'object_store')),
  storage_id uuid,
  path text COLLATE "C",
  object_store_id uuid,
  object_key text,
  size bigint NOT NULL CHECK (size >= 0),
  -- At millisecond precision (fs.Stats.mtime): part of the content version.
  mtime timestamptz,
  inode numeric(20, 0),
  -- algorithm -> lower-case hex digest, e.g. {"md5": "…"}
  checksums jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(checksums) = 'object'),
  status text NOT NULL CHECK (status IN ('registered', 'empty', 'checksummed', 'pending', 'stored', 'failed')),
  status_reason text,
  -- The oldest original elsewhere in the cluster with the same checksum (its outputs can be reused).
  duplicate_of uuid REFERENCES portico.files (id) ON DELETE SET NULL,
  removed boolean NOT NULL DEFAULT false,
  removed_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  -- By id alone: a composite (asset_id, cluster_id) key makes PostgreSQL's per-row check planned
  -- on a young table use any index led by cluster_id, and ingest then slows with every asset.
  FOREIGN KEY (asset_id) REFERENCES portico.assets (id) ON DELETE CASCADE,
  FOREIGN KEY (format_id, asset_id) REFERENCES portico.formats (id, asset_id) ON DELETE CASCADE,
  FOREIGN KEY (storage_id, cluster_id) REFERENCES portico.storages (id, cluster_id),
  FOREIGN KEY (object_store_id, cluster_id) REFERENCES portico.object_stores (id, cluster_id),
  CHECK (
    (location = 'storage' AND storage_id IS NOT NULL AND path IS NOT NULL AND mtime IS NOT NULL
      AND object_store_id IS NULL AND object_key IS NULL)
    OR (location = 'object_store' AND object_store_id IS NOT NULL AND object_key IS NOT NULL
      AND storage_id IS NULL)
  ),
  CHECK (removed = (removed_at IS NOT NULL))
);
-- The content version, ingest's idempotency key: at most one live row per (storage, path, size,
-- mtime), so two leaders (or a retried ingest) can never register the same version twice.
CREATE UNIQUE INDEX files_content_version_idx ON portico.files (storage_id, path, size, mtime)
  WHERE location = 'storage' AND NOT removed;
-- One live row per object: recording an upload twice is an upsert.
CREATE UNIQUE INDEX files_object_idx ON portico.files (object_store_id, object_key)
  WHERE location = 'object_store' AND NOT removed;
CREATE INDEX files_cluster_seq_idx ON portico.files (cluster_id, seq DESC);
CREATE INDEX files_cluster_status_seq_idx ON portico.files (cluster_id, status, seq DESC);
CREATE INDEX files_cluster_path_idx ON portico.files (cluster_id, path) WHERE path IS NOT NULL;
-- The scanner's walk of the catalog in path order (diffing a storage tree against it).
CREATE INDEX files_storage_path_idx ON portico.files (storage_id, path) WHERE location = 'storage' AND NOT removed;
CREATE INDEX files_asset_idx ON portico.files (asset_id);
-- Move detection: the same inode, size and mtime under a new path.
CREATE INDEX files_storage_inode_idx ON portico.files (storage_id, inode)
  WHERE location = 'storage' AND NOT removed AND inode IS NOT NULL;
-- Look-up by checksum, one index per algorithm of the settings catalogue.
CREATE INDEX files_md5_idx ON portico.files (cluster_id, (checksums ->> 'md5')) WHERE checksums ? 'md5';
CREATE INDEX files_sha1_idx ON portico.files (cluster_id, (checksums ->> 'sha1')) WHERE checksums ? 'sha1';
CREATE INDEX files_sha256_idx ON portico.files (cluster_id, (checksums ->> 'sha256')) WHERE checksums ? 'sha256';
CREATE INDEX files_xxh64_idx ON portico.files (cluster_id, (checksums ->> 'xxh64')) WHERE checksums ? 'xxh64';
CREATE INDEX files_xxh3_idx ON portico.files (cluster_id, (checksums ->> 'xxh3')) WHERE checksums ? 'xxh3';

-- Actions requested on the control plane. The leader claims queued events under its term and
-- enqueues their jobs in the same fenced transaction (dispatched_at), so each is turned into jobs
-- exactly once; a claim of an older term that never dispatched may be taken over by a newer term.
CREATE TABLE portico.events (
  id uuid PRIMARY KEY,
  seq bigint GENERATED ALWAYS AS IDENTITY,
  cluster_id uuid NOT NULL REFERENCES portico.clusters (id) ON DELETE CASCADE,
  kind text NOT NULL CHECK (kind IN ('transcode', 'archive', 'restore', 'delete', 'export', 'rescan')),
  asset_ids uuid[] NOT NULL DEFAULT '{}',
  file_ids uuid[] NOT NULL DEFAULT '{}',
  parameters jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(parameters) = 'object'),
  state text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'running', 'done', 'failed')),
  reason text,
  claimed_term bigint,
  claimed_by uuid,
  claimed_at timestamptz,
  dispatched_at timestamptz,
  -- Jobs enqueued for the event and not settled yet; the event ends when none is left.
  pending_jobs uuid[],
  failed_jobs integer NOT NULL DEFAULT 0 CHECK (failed_jobs >= 0),
  created_by text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CHECK ((state = 'queued') = (claimed_term IS NULL)),
  CHECK (dispatched_at IS NULL OR claimed_term IS NOT NULL)
);
CREATE INDEX events_cluster_seq_idx ON portico.events (cluster_id, seq DESC);
CREATE INDEX events_cluster_state_seq_idx ON portico.events (cluster_id, state, seq DESC);
-- What the leader polls, oldest first.
CREATE INDEX events_claimable_idx ON portico.events (cluster_id, seq)
  WHERE state = 'queued' OR (state = 'running' AND dispatched_at IS NULL);
`;
