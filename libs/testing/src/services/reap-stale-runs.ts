// A jest run that was killed (Ctrl-C twice, OOM, CI timeout) never runs its teardown. So each new
// run first stops the services of runs whose owning jest process is gone and deletes their
// folders: a crashed run leaves orphans at most until the next run on the machine.
import { readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { isAlive, readPidFile } from './processes';
import { OWNER_FILE, RUN_DIR_PREFIX } from '../harness/layout';
import { stopServices } from '../harness/stop-services';

export async function reapStaleRuns(log: (message: string) => void): Promise<void> {
  const root = tmpdir();
  const entries = await readdir(root).catch(() => [] as string[]);
  await Promise.all(
    entries
      .filter((name) => name.startsWith(RUN_DIR_PREFIX))
      .map(async (name) => {
        const runDir = join(root, name);
        const owner = await readPidFile(join(runDir, OWNER_FILE));
        // A folder without an owner file is another run in its first milliseconds of setup.
        if (owner === undefined || isAlive(owner)) return;
        log(`stopping services left by a crashed test run in ${runDir}`);
        await stopServices(runDir);
        await rm(runDir, { recursive: true, force: true });
      }),
  );
}
