// Migration 0012: fewer index entries and foreign-key checks per file row, for what the ingest and
// the checksums write (bench/pipeline: about 130 µs of the database per file each, a quarter of it
// foreign-key checks, most of the rest index entries).
//
// files_storage_path_idx (storage_id, path) on live storage rows duplicated the leading columns of
// files_content_version_idx (storage_id, path, size, mtime), which has the same predicate: every
// look-up by storage and path (the ingest's previous version, held removals, live versions) is
// served by the unique index. One index entry fewer per file inserted and per checksum recorded.
//
// files.asset_id needs no key of its own: the format key (format_id, asset_id) implies the asset,
// and deleting an asset deletes its formats, so their files. One trigger check fewer per file
// inserted. (files.cluster_id keeps its key: deleting a cluster must delete its files before the
// storage and object-store keys are checked, which the longer cascade through assets does not.)
export const sql = `
DROP INDEX portico.files_storage_path_idx;
ALTER TABLE portico.files DROP CONSTRAINT files_asset_id_fkey;
`;
