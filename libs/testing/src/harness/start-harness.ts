// Starts every service of the harness, in parallel where they do not depend on each other, in a
// fresh temporary folder, and writes the state file test processes read.
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { createCertificates } from '../services/certificates';
import { startPgBouncer } from '../services/pgbouncer';
import { freePorts } from '../services/ports';
import { startPostgres } from '../services/postgres';
import { reapStaleRuns } from '../services/reap-stale-runs';
import { startRedis } from '../services/redis';
import { startS3 } from '../services/s3';
import { ensureServiceUser } from '../services/service-user';
import { ensureBinaries } from '../services/system-packages';
import { RUN_DIR_PREFIX, runLayout } from './layout';
import type { HarnessState } from './state';
import { stopServices } from './stop-services';

export const SUPERUSER = 'portico';
export const TEMPLATE_DATABASE = 'portico_template';

export interface StartedHarness {
  state: HarnessState;
  stateFile: string;
}

export interface StartHarnessOptions {
  log: (message: string) => void;
  /**
   * Fills the template database `state.postgres.templateDatabase` (which this function does not
   * create) before any test runs, e.g. by migrating it.
   */
  prepareTemplate: (state: HarnessState) => Promise<void>;
}

export async function startHarness({ log, prepareTemplate }: StartHarnessOptions): Promise<StartedHarness> {
  const started = Date.now();
  const [binaries, serviceUser] = await Promise.all([
    ensureBinaries(log),
    ensureServiceUser(),
    reapStaleRuns(log),
  ]);

  const runDir = await mkdtemp(join(tmpdir(), RUN_DIR_PREFIX));
  const layout = runLayout(runDir);
  await writeFile(layout.owner, `${process.pid}\n`);
  try {
    // Services running as another OS user must be able to reach their sub-folders.
    await chmod(runDir, 0o755);
    await Promise.all(
      [layout.tls, layout.postgres, layout.pgbouncer, layout.redis, layout.s3].map((dir) =>
        mkdir(dir, { mode: 0o755 }),
      ),
    );
    const [postgresPort, pgbouncerPort, redisPort, s3Port] = await freePorts(4);
    if (!postgresPort || !pgbouncerPort || !redisPort || !s3Port)
      throw new Error('could not reserve free loopback ports');
    const password = randomBytes(18).toString('base64url');

    const postgresReady = startPostgres({
      binDir: binaries.postgresBinDir,
      dir: layout.postgres,
      port: postgresPort,
      user: SUPERUSER,
      password,
      templateDatabase: TEMPLATE_DATABASE,
      serviceUser,
    });
    const tlsReady = createCertificates(binaries.openssl, layout.tls);
    const pgbouncerReady = tlsReady.then((certificates) =>
      startPgBouncer({
        binary: binaries.pgbouncer,
        dir: layout.pgbouncer,
        port: pgbouncerPort,
        postgresPort,
        user: SUPERUSER,
        password,
        certificates,
        serviceUser,
      }),
    );
    const [postgres, tls, pgbouncer, redis, s3] = await Promise.all([
      postgresReady,
      tlsReady,
      pgbouncerReady,
      startRedis(binaries.redisServer, layout.redis, redisPort),
      startS3(layout.s3, s3Port),
    ]);

    const state: HarnessState = {
      version: 1,
      runDir,
      ownerPid: process.pid,
      startedAt: new Date(started).toISOString(),
      startupMs: 0,
      postgres,
      pgbouncer,
      redis,
      s3,
      tls,
    };
    await prepareTemplate(state);
    state.startupMs = Date.now() - started;
    await writeFile(layout.state, JSON.stringify(state, null, 2));
    return { state, stateFile: layout.state };
  } catch (error) {
    // Whatever did start must not outlive a failed setup (jest skips the teardown then).
    await stopServices(runDir).catch(() => undefined);
    throw error;
  }
}
