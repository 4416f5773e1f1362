// Migration 0002: the cluster core — nodes and their worker instances, tokens, shipped logs,
// the per-cluster leader lease, and the audit of leader-only (fenced) writes.
export const sql = `
ALTER TABLE portico.clusters
  ADD COLUMN settings jsonb NOT NULL DEFAULT '{}'::jsonb,
  ADD COLUMN settings_version bigint NOT NULL DEFAULT 1,
  ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();

CREATE TABLE portico.nodes (
  id uuid PRIMARY KEY,
  cluster_id uuid NOT NULL REFERENCES portico.clusters (id) ON DELETE CASCADE,
  name text NOT NULL,
  roles text[] NOT NULL
    CHECK (cardinality(roles) > 0 AND roles <@ ARRAY['MAIN', 'CHECKSUM', 'TRANSCODE', 'TRANSFER']),
  settings jsonb NOT NULL DEFAULT '{}'::jsonb,
  settings_version bigint NOT NULL DEFAULT 1,
  mount_point text,
  status text NOT NULL DEFAULT 'Offline'
    CHECK (status IN ('Active', 'Stopped', 'Offline', 'Warning', 'Error')),
  status_reason text,
  is_primary boolean NOT NULL DEFAULT false,
  registered_by text NOT NULL DEFAULT 'admin' CHECK (registered_by IN ('admin', 'join')),
  app text,
  hostname text,
  last_seen_at timestamptz,
  worker_id uuid,
  last_telemetry jsonb,
  telemetry_interval_seconds double precision,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (cluster_id, name)
);
CREATE INDEX nodes_cluster_idx ON portico.nodes (cluster_id);

-- Every worker instance (process) that reported for a node. Two live instances of one node
-- are a misconfiguration the control plane shows as Warning.
CREATE TABLE portico.node_instances (
  node_id uuid NOT NULL REFERENCES portico.nodes (id) ON DELETE CASCADE,
  worker_id uuid NOT NULL,
  app text,
  hostname text,
  started_at timestamptz NOT NULL DEFAULT now(),
  last_seen_at timestamptz NOT NULL DEFAULT now(),
  stopped_at timestamptz,
  PRIMARY KEY (node_id, worker_id)
);

-- Tokens are stored as SHA-256 hashes; the secret is shown once, at creation.
CREATE TABLE portico.tokens (
  id uuid PRIMARY KEY,
  kind text NOT NULL CHECK (kind IN ('admin', 'node', 'join')),
  cluster_id uuid REFERENCES portico.clusters (id) ON DELETE CASCADE,
  node_id uuid REFERENCES portico.nodes (id) ON DELETE CASCADE,
  secret_hash bytea NOT NULL UNIQUE,
  prefix text NOT NULL,
  description text,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz,
  revoked_at timestamptz,
  last_used_at timestamptz,
  CHECK (
    (kind = 'admin' AND cluster_id IS NULL AND node_id IS NULL)
    OR (kind = 'node' AND cluster_id IS NOT NULL AND node_id IS NOT NULL)
    OR (kind = 'join' AND cluster_id IS NOT NULL AND node_id IS NULL)
  )
);

-- Log lines shipped by nodes. level is pino's number: 10 trace, 20 debug, 30 info, 40 warn, 50 error, 60 fatal.
CREATE TABLE portico.node_logs (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  cluster_id uuid NOT NULL REFERENCES portico.clusters (id) ON DELETE CASCADE,
  node_id uuid NOT NULL REFERENCES portico.nodes (id) ON DELETE CASCADE,
  worker_id uuid NOT NULL,
  time timestamptz NOT NULL,
  level smallint NOT NULL,
  message text NOT NULL,
  fields jsonb,
  received_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX node_logs_node_idx ON portico.node_logs (node_id, id DESC);
CREATE INDEX node_logs_node_errors_idx ON portico.node_logs (node_id, id DESC) WHERE level >= 50;

-- Leader election: one lease row per cluster, every time computed with the database clock.
-- term only ever grows: each acquisition increments it; a release keeps it.
CREATE TABLE portico.cluster_leases (
  cluster_id uuid PRIMARY KEY REFERENCES portico.clusters (id) ON DELETE CASCADE,
  term bigint NOT NULL CHECK (term > 0),
  leader_node_id uuid,
  leader_worker_id uuid,
  acquired_at timestamptz NOT NULL,
  renewed_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL
);

-- Every leader-only write, recorded in the same transaction as the write it fences.
CREATE TABLE portico.fenced_writes (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  cluster_id uuid NOT NULL REFERENCES portico.clusters (id) ON DELETE CASCADE,
  term bigint NOT NULL,
  node_id uuid NOT NULL,
  worker_id uuid NOT NULL,
  action text NOT NULL,
  subject text,
  at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX fenced_writes_cluster_idx ON portico.fenced_writes (cluster_id, id);
`;
