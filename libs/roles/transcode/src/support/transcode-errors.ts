// Failures of the TRANSCODE role itself (the media library has its own). `permanent` is read by
// the job runtime: the job goes to the dead letters with this message instead of being retried.

/** The job names a profile the `transcode_profiles` setting does not have. */
export class UnknownProfileError extends Error {
  override readonly name = 'UnknownProfileError';
  readonly permanent = true;

  constructor(profile: string, known: readonly string[]) {
    super(
      `transcode profile "${profile}" is not one of the transcode_profiles setting (${known.join(', ')}); ` +
        'the job cannot run on any node — fix the sender or the setting, then retry it from the dead letters',
    );
  }
}
