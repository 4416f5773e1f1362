import type { ApiErrorBody } from '@portico/control-plane-client';
import type { z } from 'zod';

/** One thing wrong with a request: the field (dotted path) and what is wrong with it. */
export interface FieldProblem {
  readonly path: string;
  readonly message: string;
}

/** The fields of a failed zod parse, prefixed with where the input came from (body, query, a param). */
export function zodProblems(error: z.ZodError, prefix = ''): FieldProblem[] {
  return error.issues.map((issue) => {
    const path = [prefix, ...issue.path.map(String)].filter((part) => part !== '').join('.');
    return { path: path === '' ? '(body)' : path, message: issue.message };
  });
}

/** The one-line message of a 400: the first problems, so that a log line alone says what to fix. */
export function describeProblems(problems: readonly FieldProblem[]): string {
  const shown = problems.slice(0, 3).map((p) => `${p.path}: ${p.message}`);
  const more = problems.length > 3 ? ` (and ${problems.length - 3} more)` : '';
  return `invalid request: ${shown.join('; ')}${more}`;
}

const REASONS: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Entity',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export function reasonPhrase(status: number): string {
  return REASONS[status] ?? (status >= 500 ? 'Server Error' : 'Client Error');
}

export function errorBody(
  statusCode: number,
  message: string,
  fields?: readonly FieldProblem[],
): ApiErrorBody {
  return {
    statusCode,
    error: reasonPhrase(statusCode),
    message,
    ...(fields && fields.length > 0 ? { fields: [...fields] } : {}),
  };
}

/** A resource the request names does not exist (→ 404). */
export class NotFoundError extends Error {
  override readonly name = 'NotFoundError';
}

/** The request clashes with existing state, e.g. a duplicate name (→ 409). */
export class ConflictError extends Error {
  override readonly name = 'ConflictError';
}

/** The request is well-formed JSON but a field is invalid in a way only the server can tell (→ 400). */
export class InvalidRequestError extends Error {
  override readonly name = 'InvalidRequestError';
  constructor(readonly problems: readonly FieldProblem[]) {
    super(describeProblems(problems));
  }
}
