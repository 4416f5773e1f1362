// Every payload is validated when sent and when received. An invalid payload is a permanent
// failure: retrying cannot make it valid.
import { type z } from 'zod';

import { type JobDefinition } from './define-job';

export interface PayloadIssue {
  /** Dotted path of the field, `(payload)` for the payload itself. */
  readonly field: string;
  readonly message: string;
}

export class InvalidPayloadError extends Error {
  override readonly name = 'InvalidPayloadError';
  /** Never retried: the same payload fails the same way. */
  readonly permanent = true;

  constructor(
    readonly jobName: string,
    readonly issues: readonly PayloadIssue[],
  ) {
    super(
      `Invalid payload for job "${jobName}": ${issues.map((issue) => `${issue.field}: ${issue.message}`).join('; ')}. ` +
        'The job is failed without retries; fix the producer that sent it.',
    );
  }
}

export function payloadIssues(error: z.ZodError): PayloadIssue[] {
  return error.issues.map((issue) => ({
    field: issue.path.length > 0 ? issue.path.map(String).join('.') : '(payload)',
    message: issue.message,
  }));
}

export function parsePayload<S extends z.ZodType>(def: JobDefinition<string, S>, raw: unknown): z.output<S> {
  const result = def.payload.safeParse(raw);
  if (!result.success) throw new InvalidPayloadError(def.name, payloadIssues(result.error));
  return result.data;
}
