// Migration 0011: the lease's term becomes a key column (a unique index over it), so that fenced
// transactions can lock the lease row FOR KEY SHARE instead of FOR SHARE. A term change (takeover)
// updates a key column and so still waits for every fenced transaction in flight, which is what
// fencing needs; the leader's own renewal changes no key column and no longer waits behind its
// long fenced batches. bench/pipeline saw a loaded leader lose its lease that way (renewals
// queued ~270 ms behind scan batches; 103 elections in one run).
export const sql = `
CREATE UNIQUE INDEX cluster_leases_term_key ON portico.cluster_leases (cluster_id, term);
`;
