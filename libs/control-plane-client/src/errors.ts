import type { ApiErrorBody } from './contracts/common';

/** The control plane answered with an error status. `body.fields` names bad request fields. */
export class ControlPlaneError extends Error {
  constructor(
    readonly status: number,
    readonly body: ApiErrorBody | undefined,
    readonly method: string,
    readonly path: string,
  ) {
    super(`control plane answered ${status} to ${method} ${path}: ${body?.message ?? 'no details'}`);
    this.name = 'ControlPlaneError';
  }
}

/** The control plane could not be reached (refused, DNS, timeout) or answered something unreadable. */
export class ControlPlaneUnreachableError extends Error {
  constructor(
    readonly url: string,
    cause: unknown,
  ) {
    super(
      `control plane at ${url} is unreachable: ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    );
    this.name = 'ControlPlaneUnreachableError';
  }
}
