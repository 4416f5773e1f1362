// Migration 0009: the lease moves onto pg-boss's job row (its heartbeat_on, fenced by retry_count),
// so an attempt row is written only when there is something to remember: a heartbeat with its
// progress, a failure, an expiry, a hand back, a completed retry. bench/queue measured the runtime
// at 0.56 of bare pg-boss with a row opened and closed per job, 0.88 without. The reaper records
// an attempt that died before its first heartbeat without knowing its worker, hence the NULLs; it
// goes by pg-boss's table now, so the active-lease index has no reader left.
export const sql = `
ALTER TABLE portico.job_attempts ALTER COLUMN worker_id DROP NOT NULL;
ALTER TABLE portico.job_attempts ALTER COLUMN node_id DROP NOT NULL;
DROP INDEX portico.job_attempts_active_lease_idx;
`;
