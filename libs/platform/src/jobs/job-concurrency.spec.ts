import {
  checksumFileJob,
  transcodeAssetJob,
  transferArchiveJob,
  transferRestoreJob,
  transferUploadJob,
} from '@portico/jobs-contracts';
import { resolveSettings } from '@portico/settings';

import { concurrencySetting, jobConcurrency } from './job-concurrency';

describe('jobConcurrency', () => {
  const settings = resolveSettings({
    cluster: {
      checksum_max_workers: 3,
      max_transcoding_jobs: 2,
      file_upload_parallel_uploads_num: 5,
      file_download_parallel_downloads_num: 7,
    },
  });

  it('sizes each consumer by its role setting', () => {
    expect(jobConcurrency(checksumFileJob, settings, true)).toBe(3);
    expect(jobConcurrency(transferUploadJob, settings, true)).toBe(5);
    expect(jobConcurrency(transferArchiveJob, settings, true)).toBe(5);
    expect(jobConcurrency(transferRestoreJob, settings, true)).toBe(7);
    expect(concurrencySetting(transferRestoreJob)).toBe('file_download_parallel_downloads_num');
  });

  it('gives the transcode queue a slot per profile, each profile held to max_transcoding_jobs by the role', () => {
    const profiles = Object.keys(settings.values.transcode_profiles).length;
    expect(profiles).toBe(3);
    expect(jobConcurrency(transcodeAssetJob, settings, true)).toBe(2 * profiles);
  });

  it('takes no new jobs while the role is gated by a failed health check', () => {
    expect(jobConcurrency(checksumFileJob, settings, false)).toBe(0);
    expect(jobConcurrency(transcodeAssetJob, settings, false)).toBe(0);
  });
});
