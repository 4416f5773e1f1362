// Archive, restore and export jobs belong to a control-plane event (payload.requestId). Success
// settles the event inside the handler's fenced transaction; a failure no retry will fix — a
// permanent error, or the last attempt's — settles it as failed with the reason, also fenced, so
// that the operator sees why on the event instead of a request stuck "running".
import { type JobDefinition } from '@portico/jobs-contracts';
import { type JobContext } from '@portico/jobs-runtime';

import { reasonOf } from './transfer-errors';
import { type TransferServices } from './transfer-services';

function isPermanent(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { permanent?: unknown }).permanent === true;
}

/** True when the job runtime will not run this job again after `error`. */
export function isFinalFailure(
  error: unknown,
  ctx: Pick<JobContext<unknown>, 'attempt' | 'signal'>,
  def: JobDefinition,
): boolean {
  // A lost lease or a stopping node hands the job to another attempt: not final.
  if (ctx.signal.aborted) return false;
  return isPermanent(error) || ctx.attempt >= def.retry.limit;
}

export async function runEventJob<T>(
  services: TransferServices,
  ctx: JobContext<{ requestId: string }>,
  def: JobDefinition,
  work: () => Promise<T>,
): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (isFinalFailure(error, ctx, def)) {
      await ctx
        .withAttemptFence((client) =>
          services.events.settleJob(client, ctx.payload.requestId, ctx.jobId, reasonOf(error)),
        )
        .catch((settleError: unknown) =>
          services.logger.warn(
            { requestId: ctx.payload.requestId, jobId: ctx.jobId, err: reasonOf(settleError) },
            'could not record the failure on the event',
          ),
        );
    }
    throw error;
  }
}
