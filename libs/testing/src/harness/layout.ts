// Where everything of one harness run lives inside its folder. Fixed paths (rather than paths
// read from the state file) let a later run clean up after a run that crashed before it could
// write its state.
import { join } from 'node:path';

export const RUN_DIR_PREFIX = 'portico-harness-';
export const OWNER_FILE = 'owner.pid';

export function runLayout(runDir: string) {
  return {
    owner: join(runDir, OWNER_FILE),
    state: join(runDir, 'harness.json'),
    tls: join(runDir, 'tls'),
    postgres: join(runDir, 'postgres'),
    postgresPid: join(runDir, 'postgres', 'data', 'postmaster.pid'),
    pgbouncer: join(runDir, 'pgbouncer'),
    pgbouncerPid: join(runDir, 'pgbouncer', 'pgbouncer.pid'),
    redis: join(runDir, 'redis'),
    redisPid: join(runDir, 'redis', 'redis.pid'),
    s3: join(runDir, 's3'),
    s3Pid: join(runDir, 's3', 's3.pid'),
  };
}
