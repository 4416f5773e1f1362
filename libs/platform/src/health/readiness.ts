/**
 * A dependency the process needs to do its work (database, control plane, storage). Each app
 * provides its list; `/health/ready` is up only while all of them pass.
 */
export abstract class ReadinessCheck {
  abstract readonly name: string;
  /** Resolves with details when healthy; rejects with an operator-readable error otherwise. */
  abstract check(): Promise<Record<string, unknown>>;
}

/** Injection token for the list of readiness checks of an app. */
export const READINESS_CHECKS = Symbol('READINESS_CHECKS');

/** Bounds a check so a hung dependency reports "down" instead of hanging the probe. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
