// Migration 0005: the scanner's state (SPEC 2.5) — the file index of each cluster's storage, scan
// runs with their resumable checkpoint (the folders left to list), the problems they met, and
// removals waiting for an operator. Written by the leader only, always under its term's fence.
export const sql = `
-- The storage a cluster scans: its id, also written into <mount point>/.portico/storage-id (the
-- sentinel), so that an unmounted or another share is never taken for "every file was deleted".
CREATE TABLE portico.scan_storages (
  cluster_id uuid PRIMARY KEY REFERENCES portico.clusters (id) ON DELETE CASCADE,
  storage_id uuid NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- The file index: one row per regular file of the storage, keyed by its folder and name exactly as
-- the file system gave them (COLLATE "C": byte order, no locale folding). A version is
-- (size, mtime, inode); version_seen_at is when the scanner first saw this version (database
-- clock), which is how growing files are told from stable ones.
-- No foreign key to clusters on purpose: its per-row check costs a third of the insert time of a
-- first scan of a million files; the trigger below removes the rows of a deleted cluster instead.
CREATE TABLE portico.scan_files (
  cluster_id uuid NOT NULL,
  dir text COLLATE "C" NOT NULL,
  name text COLLATE "C" NOT NULL,
  size bigint NOT NULL CHECK (size >= 0),
  mtime_ms double precision NOT NULL,
  inode bigint NOT NULL,
  -- settling: this version is not stable yet (or never was handed over); ingested: handed to the
  -- catalogue for ingest; empty: a stable zero-byte file, handed over flagged so nothing transcodes it.
  status text NOT NULL CHECK (status IN ('settling', 'ingested', 'empty')),
  version_seen_at timestamptz NOT NULL,
  -- whether any version of this path was handed over (the catalogue knows the file)
  handed_off boolean NOT NULL DEFAULT false,
  -- the last run that listed this file, kept only for folders listed in several chunks
  last_seen_run bigint,
  PRIMARY KEY (cluster_id, dir, name)
);
-- Moves: a new path is matched by inode to a row the catalogue knows. A row never handed over
-- has no asset to carry along (its file moving is a new settling file and a silent removal), so
-- it stays out of this index: a first scan inserts a million settling rows without it.
CREATE INDEX scan_files_inode_idx ON portico.scan_files (cluster_id, inode) WHERE handed_off;

CREATE FUNCTION portico.scan_files_forget_clusters() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  DELETE FROM portico.scan_files f USING deleted_clusters d WHERE f.cluster_id = d.id;
  RETURN NULL;
END
$fn$;
CREATE TRIGGER scan_files_forget_clusters AFTER DELETE ON portico.clusters
  REFERENCING OLD TABLE AS deleted_clusters
  FOR EACH STATEMENT EXECUTE FUNCTION portico.scan_files_forget_clusters();

-- Every folder the scanner listed or holds rows in. digest is the fingerprint (name, size,
-- mtime, inode of every file; see @portico/storage ListingFingerprint) of a folder whose rows all
-- hold settled versions equal to its last listing, else null: a rescan skips a folder whose
-- listing has the stored fingerprint. Any write to a folder's rows other than its own listing's
-- diff clears it. The rows of a folder a run did not list are looked up from here (vanished
-- folders) without reading the whole index.
CREATE TABLE portico.scan_folders (
  cluster_id uuid NOT NULL REFERENCES portico.clusters (id) ON DELETE CASCADE,
  dir text COLLATE "C" NOT NULL,
  digest text,
  PRIMARY KEY (cluster_id, dir)
);

-- One scan of the whole storage. At most one runs per cluster; a new leader resumes it.
CREATE TABLE portico.scan_runs (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  cluster_id uuid NOT NULL REFERENCES portico.clusters (id) ON DELETE CASCADE,
  state text NOT NULL DEFAULT 'running' CHECK (state IN ('running', 'completed', 'failed')),
  started_term bigint NOT NULL,
  -- the term that last worked on it
  term bigint NOT NULL,
  resumes integer NOT NULL DEFAULT 0,
  -- the index was empty when the run started: every file is new, no lookups needed
  initial boolean NOT NULL,
  index_files_at_start bigint NOT NULL,
  started_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  files_listed bigint NOT NULL DEFAULT 0,
  files_new bigint NOT NULL DEFAULT 0,
  files_modified bigint NOT NULL DEFAULT 0,
  files_moved bigint NOT NULL DEFAULT 0,
  files_ready bigint NOT NULL DEFAULT 0,
  files_removed bigint NOT NULL DEFAULT 0,
  removals_held bigint NOT NULL DEFAULT 0,
  entries_ignored bigint NOT NULL DEFAULT 0,
  dirs_done bigint NOT NULL DEFAULT 0,
  dirs_failed bigint NOT NULL DEFAULT 0,
  issues bigint NOT NULL DEFAULT 0,
  -- what the operator must know: removals held or refused, mount suspected lost, ...
  warnings jsonb NOT NULL DEFAULT '[]'::jsonb
);
CREATE UNIQUE INDEX scan_runs_one_running_idx ON portico.scan_runs (cluster_id) WHERE state = 'running';
CREATE INDEX scan_runs_cluster_idx ON portico.scan_runs (cluster_id, id DESC);

-- The checkpoint: every folder of a run, pending until listed. A folder's rows and its state
-- change in one transaction, so a resumed run lists exactly the folders still pending.
--   listed: listed whole in one chunk; chunked: listed in several chunks (missing files found by
--   last_seen_run); incomplete: listed, but some entries could not be examined (none of its files
--   is taken for removed); failed: could not be listed (its subtree is left alone); gone: vanished
--   before it was listed (its subtree is removed).
CREATE TABLE portico.scan_dirs (
  run_id bigint NOT NULL REFERENCES portico.scan_runs (id) ON DELETE CASCADE,
  id bigint GENERATED ALWAYS AS IDENTITY,
  path text COLLATE "C" NOT NULL,
  state text NOT NULL DEFAULT 'pending'
    CHECK (state IN ('pending', 'listed', 'chunked', 'incomplete', 'failed', 'gone')),
  PRIMARY KEY (run_id, path)
);
CREATE INDEX scan_dirs_pending_idx ON portico.scan_dirs (run_id, id) WHERE state = 'pending';

-- Problems a run met (unreadable folders, symlinks, name collisions, ...), once per path and kind.
CREATE TABLE portico.scan_issues (
  run_id bigint NOT NULL REFERENCES portico.scan_runs (id) ON DELETE CASCADE,
  path text COLLATE "C" NOT NULL,
  kind text NOT NULL,
  message text NOT NULL,
  at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (run_id, path, kind)
);

-- Files found missing. candidate: found by the running scan, decided when it ends; held: above
-- max_deletions_per_scan, waiting for an operator's approval.
CREATE TABLE portico.scan_removals (
  cluster_id uuid NOT NULL REFERENCES portico.clusters (id) ON DELETE CASCADE,
  dir text COLLATE "C" NOT NULL,
  name text COLLATE "C" NOT NULL,
  run_id bigint NOT NULL,
  state text NOT NULL CHECK (state IN ('candidate', 'held')),
  detected_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (cluster_id, dir, name)
);
CREATE INDEX scan_removals_run_idx ON portico.scan_removals (run_id) WHERE state = 'candidate';
CREATE INDEX scan_removals_held_idx ON portico.scan_removals (cluster_id, dir, name) WHERE state = 'held';
`;
