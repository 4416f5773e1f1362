import { rm } from 'node:fs/promises';

import { stopServices } from './stop-services';
import type { HarnessState } from './state';

/** Stops every service and deletes the run folder (data, logs, certificates, state). */
export async function stopHarness(state: HarnessState): Promise<void> {
  await stopServices(state.runDir);
  await rm(state.runDir, { recursive: true, force: true });
}
