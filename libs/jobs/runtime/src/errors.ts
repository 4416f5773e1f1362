// Errors of the lease protocol.

/** Why an attempt no longer holds its job. */
export type LeaseLossReason =
  'expired' | 'reaped' | 'handed-back' | 'finished' | 'other-worker' | 'unknown-attempt' | 'job-moved-on';

/**
 * The attempt lost its lease (it expired, was reaped, handed back or finished already); the
 * completion or side effect it tried was not applied. Another attempt owns the job now.
 */
export class LostLeaseError extends Error {
  override readonly name = 'LostLeaseError';

  constructor(
    readonly attemptId: string,
    readonly queue: string,
    readonly jobId: string,
    readonly reason: LeaseLossReason,
    detail?: string,
  ) {
    super(
      `Attempt ${attemptId} of job ${jobId} on queue ${queue} lost its lease (${reason}${detail ? `: ${detail}` : ''}); ` +
        'its result was discarded — another attempt runs the job.',
    );
  }
}

/** The consumer is stopping: the handler's attempt will be handed back. */
export class ConsumerStoppingError extends Error {
  override readonly name = 'ConsumerStoppingError';
}
