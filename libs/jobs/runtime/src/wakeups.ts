// Wake-up port: with Redis configured, a publish after a send commits wakes idle consumers of the
// queue at once; without it (or while Redis is down) consumers still poll.

export const WAKEUP_CHANNEL_PREFIX = 'portico:jobs:';

export function wakeupChannel(queue: string): string {
  return `${WAKEUP_CHANNEL_PREFIX}${queue}`;
}

export interface WakeupSource {
  /** Calls `onWake` whenever work was published on `queue`; returns the unsubscribe function. */
  subscribe(queue: string, onWake: () => void): () => void;
}

export interface WakeupPublisher {
  /** Best effort and never throws: a lost wake-up only costs one polling interval. */
  publish(queue: string): void;
}

/** Structured logger (pino-compatible subset). */
export interface JobLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export const silentLogger: JobLogger = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
