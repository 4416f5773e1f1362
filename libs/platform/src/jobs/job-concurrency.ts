// Which setting sizes which consumer (SPEC 2.3), and the health gate on top of it: a role whose
// dependencies are down takes no new jobs (concurrency 0) until they are up again.
import { type JobDefinition } from '@portico/jobs-contracts';
import { type ResolvedSettings, type SettingKey } from '@portico/settings';

/** The setting that sizes a job type's consumer on one node. */
export function concurrencySetting(def: JobDefinition): SettingKey | undefined {
  switch (def.role) {
    case 'CHECKSUM':
      return 'checksum_max_workers';
    case 'TRANSCODE':
      return 'max_transcoding_jobs';
    case 'TRANSFER':
      return def.name === 'transfer.restore'
        ? 'file_download_parallel_downloads_num'
        : 'file_upload_parallel_uploads_num';
    case 'MAIN':
      return undefined;
  }
}

/** MAIN work runs on the leader in fenced batches, not through per-job slots. */
const MAIN_CONCURRENCY = 4;

export function jobConcurrency(def: JobDefinition, settings: ResolvedSettings, gateOpen: boolean): number {
  if (!gateOpen) return 0;
  const key = concurrencySetting(def);
  if (!key) return MAIN_CONCURRENCY;
  const value = settings.values[key];
  if (typeof value !== 'number') return MAIN_CONCURRENCY;
  // max_transcoding_jobs is per profile (SPEC 2.3) and one queue carries every profile: the
  // consumer gets a slot per profile and job, the TRANSCODE role holds each profile to the setting.
  if (def.role === 'TRANSCODE')
    return value * Math.max(1, Object.keys(settings.values.transcode_profiles).length);
  return value;
}

/** The settings keys whose change must resize consumers. */
export const CONCURRENCY_SETTINGS: readonly SettingKey[] = [
  'checksum_max_workers',
  'max_transcoding_jobs',
  'transcode_profiles',
  'file_download_parallel_downloads_num',
  'file_upload_parallel_uploads_num',
];
