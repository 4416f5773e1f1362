// Fault injection on the real services, usable from any test process. Every operation resolves
// only once the fault is real (port closed or open again, pool paused), so tests never sleep.
import { Client } from 'pg';

import { currentHarnessState, type DetachedServiceState } from './harness/state';
import { pgbouncerUrl } from './harness/urls';
import { startDetachedService } from './services/detached-service';
import { waitForPort } from './services/ports';
import { stopByPidFile } from './services/processes';
import { runCommand } from './services/run-command';
import { pgbouncerAdmin } from './pgbouncer-admin';
import { waitFor } from './wait-for';

function identifier(name: string): string {
  if (!/^[A-Za-z0-9_]+$/.test(name)) throw new Error(`"${name}" is not a plain database name`);
  return name;
}

function detached(
  pick: (state: ReturnType<typeof currentHarnessState>) => DetachedServiceState,
  what: string,
) {
  return {
    /** Stops the service (SIGTERM) and resolves when its port refuses connections. */
    async stop(): Promise<void> {
      const state = currentHarnessState();
      const service = pick(state);
      await stopByPidFile(service.pidFile, state.runDir, 'SIGTERM');
      await waitForPort(service.port, 'closed', `${what} stop`);
    },
    /** Starts it again on the same port and resolves when it accepts connections. */
    async start(): Promise<void> {
      await startDetachedService(pick(currentHarnessState()), what);
    },
  };
}

export const faults = {
  pgbouncer: {
    ...detached((state) => state.pgbouncer, 'pgBouncer'),
    /**
     * PAUSE: pgBouncer finishes running transactions, then holds new queries until resume().
     * Without a database, pauses every database.
     */
    async pause(database?: string): Promise<void> {
      await pgbouncerAdmin(database ? `PAUSE ${identifier(database)}` : 'PAUSE');
    },
    async resume(database?: string): Promise<void> {
      await pgbouncerAdmin(database ? `RESUME ${identifier(database)}` : 'RESUME');
    },
  },
  postgres: {
    /** Restarts PostgreSQL (fast shutdown: sessions are terminated) and waits until it accepts queries. */
    async restart(): Promise<void> {
      const state = currentHarnessState();
      await runCommand(state.postgres.restart);
      await waitForPort(state.postgres.port, 'open', 'PostgreSQL restart');
      // Through pgBouncer too: its server connections to the old postmaster are dead, and it
      // must have replaced them before tests rely on it again.
      await waitFor(
        async () => {
          const client = new Client({ connectionString: pgbouncerUrl(state, 'postgres') });
          client.on('error', () => undefined);
          try {
            await client.connect();
            await client.query('SELECT 1');
            return true;
          } finally {
            await client.end().catch(() => undefined);
          }
        },
        { description: 'a query through pgBouncer after the PostgreSQL restart', timeoutMs: 30_000 },
      );
    },
  },
  redis: detached((state) => state.redis, 'Redis'),
  s3: detached((state) => state.s3, 'S3 (s3rver)'),
};
