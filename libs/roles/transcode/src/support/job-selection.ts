// Which ffmpeg job of a plan a transcode job runs. Video gets one job per profile (proxy,
// keyframes, poster); an image or an audio file gets its proxy under the `proxy` profile and
// nothing under the others; `other` gets nothing.
import { type FfmpegJob, type TranscodePlan } from '@portico/media';

export function jobForProfile(plan: TranscodePlan, profile: string): FfmpegJob | undefined {
  switch (plan.kind) {
    case 'video':
      return plan.jobs.find((job) => job.name === profile);
    case 'image':
    case 'audio':
      return profile === 'proxy' ? plan.jobs[0] : undefined;
    case 'other':
      return undefined;
  }
}
