import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ControlPlaneClient } from '@portico/control-plane-client';
import { startLocalS3, type LocalS3 } from '@portico/object-store';
import { scrubSecrets } from '@portico/platform';
import { ROLES } from '@portico/settings';
import { startEmbeddedPostgres, type EmbeddedDatabase } from './embedded-postgres';
import { freePort } from './free-port';
import { IngestProgress } from './ingest-progress';
import { nodeConfigIni } from './node-config-file';
import { writeContext } from '../context';
import { ensureCluster, ensureNode, ensureStorageAndStores } from './register-nodes';
import { loadOrCreateSecrets } from './secrets';
import { Supervisor } from './supervisor';
import { waitReady } from './wait-ready';

export interface UpOptions {
  nodes: number;
  storage: string;
  varDir: string;
  port: number;
  databaseUrl?: string;
  readyTimeoutSeconds: number;
}

const DIST_APPS = path.resolve(__dirname, '../../..');
const BUCKETS = ['portico-proxies', 'portico-archive'];
const CLUSTER_NAME = 'local';

/**
 * `portico up`: a whole cluster on this machine. Runs until SIGINT/SIGTERM, then stops the
 * nodes, the control plane, the S3 endpoint and the embedded database, in that order.
 */
export async function up(options: UpOptions): Promise<number> {
  const varDir = path.resolve(options.varDir);
  const storage = path.resolve(options.storage);
  const logs = path.join(varDir, 'logs');
  await Promise.all([varDir, storage, logs].map((dir) => mkdir(dir, { recursive: true })));
  assertBuilt();
  const secrets = loadOrCreateSecrets(path.join(varDir, 'secrets.json'));

  let failed = false;
  let wake: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => (wake = resolve));
  const supervisor = new Supervisor({
    notice: (name, line) => console.log(`  [${name}] ${scrubSecrets(line)}`),
    unexpectedExit: (name, code, signal) => {
      console.error(
        `portico up: ${name} exited unexpectedly (${code ?? signal}); see ${path.join(logs, `${name}.log`)}. Stopping the cluster.`,
      );
      failed = true;
      wake();
    },
  });
  let database: EmbeddedDatabase | undefined;
  let s3: LocalS3 | undefined;
  let progress: IngestProgress | undefined;
  const shutdown = async (): Promise<void> => {
    progress?.stop();
    await supervisor.stopAll();
    await s3?.stop();
    await database?.stop();
  };
  process.once('SIGINT', () => wake());
  process.once('SIGTERM', () => wake());

  try {
    // A port asked for is checked at once; a free one (--port 0) is picked just before the control
    // plane starts, so that another program has as little time as possible to take it first.
    if (options.port !== 0) await freePort(options.port);
    let databaseUrl = options.databaseUrl;
    let databaseNote = 'given';
    if (!databaseUrl) {
      step('starting embedded PostgreSQL');
      database = await startEmbeddedPostgres({
        directory: path.join(varDir, 'postgres'),
        port: await freePort(),
        password: secrets.databasePassword,
        log: (line) => void appendLog(path.join(logs, 'postgres.log'), line),
      });
      databaseUrl = database.url;
      databaseNote = `embedded, data in ${path.join(varDir, 'postgres')}`;
    }
    step('starting the local S3 endpoint');
    s3 = await startLocalS3({ directory: path.join(varDir, 's3'), buckets: BUCKETS });

    step('starting the control plane');
    const controlPlanePort = await freePort(options.port);
    const controlPlaneUrl = `http://127.0.0.1:${controlPlanePort}`;
    const controlPlane = supervisor.start(
      'control-plane',
      process.execPath,
      [path.join(DIST_APPS, 'control-plane/src/main.js')],
      {
        cwd: varDir,
        logFile: path.join(logs, 'control-plane.log'),
        env: {
          ...baseEnv(),
          PORTICO_DATABASE_URL: databaseUrl,
          PORTICO_ADMIN_TOKEN: secrets.adminToken,
          PORTICO_SECRET_KEY: secrets.secretKey,
          PORTICO_HTTP_HOST: '127.0.0.1',
          PORTICO_HTTP_PORT: String(controlPlanePort),
        },
      },
    );
    await waitReady(
      `${controlPlaneUrl}/health/ready`,
      controlPlane.child,
      'control plane',
      options.readyTimeoutSeconds * 1000,
    );

    // The cluster and its nodes are made through the API, as an operator would.
    const admin = new ControlPlaneClient({ baseUrl: controlPlaneUrl, token: secrets.adminToken });
    const cluster = await ensureCluster(admin, CLUSTER_NAME);
    await ensureStorageAndStores(admin, cluster.id, s3, { proxy: BUCKETS[0]!, archive: BUCKETS[1]! });
    writeContext(path.join(varDir, 'context.json'), {
      controlPlaneUrl,
      token: secrets.adminToken,
      clusterId: cluster.id,
    });

    const nodes: Array<{ name: string; url: string }> = [];
    for (let index = 1; index <= options.nodes; index++) {
      const name = `node-${index}`;
      step(`starting ${name} (gateway, all roles)`);
      const nodeDir = path.join(varDir, 'nodes', name);
      await mkdir(nodeDir, { recursive: true });
      const httpPort = await freePort();
      const configFile = path.join(nodeDir, 'config.ini');
      const identity = await ensureNode(admin, cluster.id, { name, roles: [...ROLES], configFile });
      await writeFile(
        configFile,
        nodeConfigIni({
          controlPlaneUrl,
          databaseUrl,
          httpPort,
          roles: [...ROLES],
          mountPoint: storage,
          nodeName: name,
          ...identity,
        }),
        { mode: 0o600 },
      );
      const node = supervisor.start(name, process.execPath, [path.join(DIST_APPS, 'gateway/src/main.js')], {
        cwd: nodeDir,
        logFile: path.join(logs, `${name}.log`),
        env: { ...baseEnv(), PORTICO_CONFIG: configFile },
      });
      nodes.push({ name, url: `http://127.0.0.1:${httpPort}` });
      await waitReady(
        `http://127.0.0.1:${httpPort}/health/ready`,
        node.child,
        name,
        options.readyTimeoutSeconds * 1000,
      );
    }

    console.log('');
    console.log(`Portico is up: ${options.nodes} node${options.nodes === 1 ? '' : 's'}`);
    console.log(`  control plane  ${controlPlaneUrl}   (API docs ${controlPlaneUrl}/api/docs)`);
    console.log(`  cluster        ${cluster.name} (${cluster.id})`);
    console.log(
      `  admin token    in ${path.join(varDir, 'secrets.json')}; \`portico status\` uses ${path.join(varDir, 'context.json')}`,
    );
    for (const node of nodes)
      console.log(`  ${node.name.padEnd(14)} ${node.url}/health/ready   ${node.url}/metrics`);
    console.log(`  storage        ${storage}   (copy media files here)`);
    console.log(`  S3 endpoint    ${s3.endpoint}   buckets ${BUCKETS.join(', ')}`);
    // The local endpoint's fixed, well-known credentials: printed so that the buckets can be looked into.
    console.log(
      `  S3 keys        access key ${s3.accessKeyId}   secret key ${s3.secretAccessKey}   region ${s3.region}`,
    );
    console.log(
      `                 e.g. AWS_ACCESS_KEY_ID=${s3.accessKeyId} AWS_SECRET_ACCESS_KEY=${s3.secretAccessKey} ` +
        `aws --endpoint-url ${s3.endpoint} --region ${s3.region} s3 ls --recursive s3://${BUCKETS[0]}`,
    );
    console.log(`  database       ${scrubSecrets(databaseUrl)}   (${databaseNote})`);
    console.log(`  logs           ${logs}`);
    console.log('Press Ctrl-C to stop.');
    // SPEC 3.3 "shows ingest progress": a line whenever the catalog changes, from the status API.
    progress = new IngestProgress({
      fetch: async () => (await admin.clusterStatus(cluster.id)).catalog,
      print: (line) => console.log(line),
    });
    progress.start();
    await stopped;
  } catch (error) {
    failed = true;
    console.error(`portico up: ${scrubSecrets(error instanceof Error ? error.message : String(error))}`);
    console.error(`  logs are in ${logs}`);
  }
  step('stopping');
  await shutdown();
  step(failed ? 'stopped after a failure' : 'stopped cleanly');
  return failed ? 1 : 0;
}

function step(message: string): void {
  console.log(`portico up: ${message}`);
}

/**
 * Children get the caller's environment minus PORTICO_* values meant for the `up` command itself.
 * On Node 20 the AWS SDK prints a seven-line notice about its future releases at the first S3
 * call; the SDK is pinned, so it only buries real warnings in the console: it is turned off
 * unless the caller set the variable.
 */
function baseEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('PORTICO_')) env[key] = value;
  return env;
}

function assertBuilt(): void {
  for (const app of ['control-plane', 'gateway']) {
    if (!existsSync(path.join(DIST_APPS, app, 'src/main.js'))) {
      throw new Error(
        `the ${app} app is not built (run \`npm run build\`, or use \`npm start\`, which builds first)`,
      );
    }
  }
}

async function appendLog(file: string, line: string): Promise<void> {
  await writeFile(file, `${line}\n`, { flag: 'a' });
}
