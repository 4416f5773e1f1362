import { type FfmpegJob, type TranscodePlan } from '@portico/media';

import { jobForProfile } from './job-selection';

const job = (name: FfmpegJob['name']): FfmpegJob => ({
  name,
  inputOptions: [],
  outputOptions: [],
  output: { type: 'file', name: `${name}.out` },
});
const plan = (kind: TranscodePlan['kind'], jobs: FfmpegJob[]): TranscodePlan => ({
  kind,
  fingerprint: 'f',
  jobs,
});

describe('jobForProfile', () => {
  it('runs the job of the same name for a video', () => {
    const video = plan('video', [job('proxy'), job('keyframes'), job('poster')]);
    expect(jobForProfile(video, 'keyframes')?.name).toBe('keyframes');
    expect(jobForProfile(video, 'poster')?.name).toBe('poster');
  });

  it('gives images and audio their proxy under the proxy profile only', () => {
    expect(jobForProfile(plan('image', [job('image-proxy')]), 'proxy')?.name).toBe('image-proxy');
    expect(jobForProfile(plan('audio', [job('audio-proxy')]), 'proxy')?.name).toBe('audio-proxy');
    expect(jobForProfile(plan('audio', [job('audio-proxy')]), 'poster')).toBeUndefined();
    expect(jobForProfile(plan('other', []), 'proxy')).toBeUndefined();
  });
});
