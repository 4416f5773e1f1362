// Migration 0001: the core of the Portico schema. Applied once, in the migration transaction;
// never edit it after release (the runner refuses a changed checksum) — add a new file instead.
export const sql = `
CREATE TABLE portico.clusters (
  id uuid PRIMARY KEY,
  name text NOT NULL UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now()
);
`;
