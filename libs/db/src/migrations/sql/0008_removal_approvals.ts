// Migration 0008: operators' approvals of held removals (SPEC 2.3 max_deletions_per_scan). The
// control plane records an approval here; the cluster's leader applies it under its term's fence
// between two scans, and writes back when, under which term and how many files it removed. The
// rows are also the audit: who approved what, when, and what came of it.
export const sql = `
CREATE TABLE portico.removal_approvals (
  id uuid PRIMARY KEY,
  -- The leader applies a cluster's approvals in this order.
  seq bigint GENERATED ALWAYS AS IDENTITY,
  cluster_id uuid NOT NULL REFERENCES portico.clusters (id) ON DELETE CASCADE,
  storage_id uuid NOT NULL,
  -- null: every removal held when the approval was made, i.e. held by a scan run up to up_to_run
  -- (a held removal keeps the id of the run that found it; later runs have larger ids). Otherwise
  -- exactly these paths (relative to the storage root).
  paths text[] COLLATE "C",
  up_to_run bigint,
  -- How many pending removals the approval covered when it was made.
  pending_at_request integer NOT NULL CHECK (pending_at_request >= 0),
  -- The token that approved (its id), or "admin" for the bootstrap admin token.
  requested_by text NOT NULL,
  requested_at timestamptz NOT NULL DEFAULT now(),
  state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'applied')),
  -- Why the leader has not applied it yet (storage unhealthy, sentinel missing); null otherwise.
  waiting_reason text,
  waiting_since timestamptz,
  applied_at timestamptz,
  applied_term bigint,
  -- The node whose leader applied it.
  applied_by uuid,
  -- Removed from the index and the catalog / dropped because the file is back / could not be checked (still held).
  removed integer NOT NULL DEFAULT 0 CHECK (removed >= 0),
  cancelled integer NOT NULL DEFAULT 0 CHECK (cancelled >= 0),
  kept integer NOT NULL DEFAULT 0 CHECK (kept >= 0),
  FOREIGN KEY (storage_id, cluster_id) REFERENCES portico.storages (id, cluster_id) ON DELETE CASCADE,
  CHECK ((paths IS NULL) <> (up_to_run IS NULL)),
  CHECK ((state = 'applied') = (applied_at IS NOT NULL))
);
-- What the leader polls between scans: the open approvals of its cluster, oldest first.
CREATE INDEX removal_approvals_open_idx ON portico.removal_approvals (cluster_id, seq) WHERE state = 'pending';
-- The latest approvals of a storage, for the API.
CREATE INDEX removal_approvals_storage_idx ON portico.removal_approvals (storage_id, seq DESC);
`;
