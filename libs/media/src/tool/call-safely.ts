// The caller's callbacks (onStart, onProgress) must not break the supervision of a tool process.

/** Runs a caller's callback; an exception from it is dropped (documented on RunOptions). */
export function callSafely(callback: () => void): void {
  try {
    callback();
  } catch {
    // Dropped on purpose: the run and its watchdog go on.
  }
}
