// Migration 0003: job leases. pg-boss moves the jobs; each attempt at a job is a row here, leased to
// one worker until leased_until (database clock). A completion or side effect is accepted only
// while its attempt row is active and unexpired, which is how attempts are fenced.
export const sql = `
CREATE TABLE portico.job_attempts (
  attempt_id uuid PRIMARY KEY,
  cluster_id uuid NOT NULL REFERENCES portico.clusters (id) ON DELETE CASCADE,
  queue text NOT NULL,
  job_id uuid NOT NULL,
  -- pg-boss's retry_count when the job was claimed: 0 for the first attempt.
  attempt integer NOT NULL CHECK (attempt >= 0),
  worker_id uuid NOT NULL,
  node_id uuid NOT NULL,
  state text NOT NULL DEFAULT 'active'
    CHECK (state IN ('active', 'completed', 'failed', 'expired', 'handed_back')),
  leased_until timestamptz NOT NULL,
  heartbeat_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  started_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  finished_at timestamptz,
  last_error text,
  progress jsonb,
  UNIQUE (job_id, attempt),
  CHECK ((state = 'active') = (finished_at IS NULL))
);

-- The reaper's scan: active leases of a cluster, oldest expiry first.
CREATE INDEX job_attempts_active_lease_idx ON portico.job_attempts (cluster_id, leased_until)
  WHERE state = 'active';
-- What one worker holds (hand back on stop, operator views).
CREATE INDEX job_attempts_worker_active_idx ON portico.job_attempts (worker_id)
  WHERE state = 'active';
-- History of a queue, newest first (operator views, retention).
CREATE INDEX job_attempts_queue_started_idx ON portico.job_attempts (queue, started_at DESC);
`;
