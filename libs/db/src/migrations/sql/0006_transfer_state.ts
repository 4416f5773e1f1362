// Migration 0006: transfer state. A multipart upload in progress is recorded here so that a
// retried job, on any node, resumes it from the parts already sent instead of starting over.
export const sql = `
-- One S3 multipart upload per destination object and source content. The source checksum is in
-- the key: a new version of the file is a different upload, and the old one is aborted.
CREATE TABLE portico.multipart_uploads (
  id uuid PRIMARY KEY,
  cluster_id uuid NOT NULL REFERENCES portico.clusters (id) ON DELETE CASCADE,
  -- The endpoint URL (or aws:<region>), so equally named buckets on two endpoints never mix.
  endpoint text NOT NULL,
  bucket text NOT NULL,
  object_key text NOT NULL,
  checksum_algorithm text NOT NULL,
  checksum_value text NOT NULL,
  -- The UploadId the S3 endpoint issued.
  upload_id text NOT NULL,
  -- Fixed for the life of the upload: every attempt cuts the file at the same offsets.
  part_size bigint NOT NULL CHECK (part_size > 0),
  total_size bigint NOT NULL CHECK (total_size >= 0),
  created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  UNIQUE (cluster_id, endpoint, bucket, object_key, checksum_algorithm, checksum_value)
);
-- Other uploads to the same destination (stale versions to abort), and housekeeping by age.
CREATE INDEX multipart_uploads_destination_idx
  ON portico.multipart_uploads (cluster_id, endpoint, bucket, object_key);
CREATE INDEX multipart_uploads_updated_idx ON portico.multipart_uploads (cluster_id, updated_at);

-- A part is recorded only once the endpoint acknowledged it and its ETag was checked.
CREATE TABLE portico.multipart_upload_parts (
  multipart_upload_id uuid NOT NULL REFERENCES portico.multipart_uploads (id) ON DELETE CASCADE,
  part_number integer NOT NULL CHECK (part_number BETWEEN 1 AND 10000),
  size bigint NOT NULL CHECK (size >= 0),
  etag text NOT NULL,
  -- MD5 of the part's bytes, lower-case hex (sent as Content-MD5).
  md5 text NOT NULL CHECK (md5 ~ '^[0-9a-f]{32}$'),
  recorded_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  PRIMARY KEY (multipart_upload_id, part_number)
);
`;
