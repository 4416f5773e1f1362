import {
  ControlPlaneHealthCheck,
  createLeaderElector,
  DatabaseClockRepository,
  DatabaseHealthCheck,
  HealthMonitor,
  measureClockSkew,
  readinessChecksFor,
  resolveNodeIdentity,
  StorageHealthCheck,
  type ElectionRuntime,
  type HealthCheck,
  type NodeIdentity,
} from '@portico/cluster';
import { ControlPlaneClient, ControlPlaneError, StorageViewCache } from '@portico/control-plane-client';
import {
  ConfigError,
  ControlPlaneSettingsSource,
  createSettingsState,
  type SettingsState,
} from '@portico/settings';
import {
  LogShipper,
  OsHostInfoProvider,
  StatfsStorageStatsProvider,
  TelemetryReporter,
} from '@portico/telemetry';
import type { Pool } from 'pg';
import type { AppContext } from '../bootstrap/run-app';
import { connectDatabase } from '../bootstrap/database';
import type { ReadinessCheck } from '../health/readiness';
import { scrubSecrets } from '../logging/redact';
import type { NodeConfig } from './node-config';
import { startNodeJobs, type NodeJobs } from '../jobs/node-jobs';

/** Everything a running node is made of, once it knows who it is. */
export interface NodeRuntime {
  identity: NodeIdentity;
  settings: SettingsState;
  /** The control plane's version of the node and cluster layers in force. */
  settingsVersion(): string;
  databaseUrl: string;
  mountPoint: string;
  pool: Pool;
  health: HealthMonitor;
  /** Present on nodes with the MAIN role. */
  election?: ElectionRuntime;
  /** Queues, producer and consumers of this node. */
  jobs: NodeJobs;
  /** The cluster's storage and object stores as this node sees them, one cache for all roles. */
  storageView: StorageViewCache;
  /** Where `env:NAME` secret references of object stores resolve (the boot environment). */
  secretEnv: Readonly<Record<string, string | undefined>>;
  /** The leader's scan reports its progress here, for telemetry (found / processed / left, rate). */
  scanProgress: {
    current?: { found: number; processed: number; left: number; ratePerSecond: number; files?: number };
  };
  readiness: ReadinessCheck[];
}

const IDENTITY_WINDOW_MS = 30_000;

/**
 * Brings a node up in dependency order — identity from the control plane, settings, database,
 * health monitor, leader election (MAIN), telemetry and log shipping — and registers the
 * shutdown steps in reverse: the lease is released first, so a follower takes over at once.
 */
export async function startNodeRuntime(config: NodeConfig, context: AppContext): Promise<NodeRuntime> {
  const { logger } = context;
  const baseClient = new ControlPlaneClient({ baseUrl: config.controlPlaneUrl, timeoutMs: 5000 });
  const identity = await resolveIdentity(baseClient, config, context);
  const nodeLogger = logger.child({ nodeId: identity.nodeId, clusterId: identity.clusterId });
  nodeLogger.info(
    { node: identity.self.node.name, roles: config.roles, registered: identity.registered },
    'node identity resolved',
  );

  // Shipping starts first so that everything after it reaches the control plane's log view.
  const shipper = new LogShipper(identity.client, { workerId: context.workerId, scrub: scrubSecrets });
  shipper.start();
  const detachShipper = context.attachLogSink((line) => shipper.write(line));
  context.onShutdown(async () => {
    detachShipper();
    await shipper.stop();
  });

  let settingsProblem: string | undefined;
  const settings = createSettingsState(
    {
      local: config.local.settings,
      node: identity.self.node.settings,
      cluster: identity.self.cluster.settings,
    },
    {
      onListenerError: (error, changed) =>
        nodeLogger.error({ err: error, changed }, 'a component failed to apply changed settings'),
    },
  );
  const source = new ControlPlaneSettingsSource({
    client: identity.client,
    state: settings,
    clusterId: identity.clusterId,
    version: identity.self.version,
    redisUrl: config.local.main.redisUrl,
    logger: nodeLogger,
    onRejected: (error) =>
      (settingsProblem = `settings rejected: ${error instanceof Error ? error.message : String(error)}`),
    onAccepted: () => (settingsProblem = undefined),
  });
  source.start();
  context.onShutdown(() => source.stop());

  const databaseUrl = config.local.main.databaseUrl ?? settings.current.values.db_connection_uri;
  if (!databaseUrl) {
    throw new ConfigError(
      `no database: set db_connection_uri on cluster ${identity.self.cluster.name}, or [main] database-url in ${config.local.file.path} / PORTICO_DATABASE_URL`,
      { key: 'database-url', file: config.local.file.path },
    );
  }
  const mountPoint = config.local.storage.mountPoint ?? identity.self.node.mountPoint;
  if (!mountPoint) {
    throw new ConfigError(
      `no storage mount point: set [storage] mount-point in ${config.local.file.path} (or PORTICO_MOUNT_POINT), or the node's mount point on the control plane`,
      { key: 'mount-point', file: config.local.file.path },
    );
  }
  const pool = await connectDatabase(databaseUrl, nodeLogger);
  context.onShutdown(() => pool.end());

  const databaseCheck = new DatabaseHealthCheck(databaseUrl, {
    applicationName: `portico-health-${context.app}`,
  });
  const checks: HealthCheck[] = [
    databaseCheck,
    new ControlPlaneHealthCheck(identity.client),
    new StorageHealthCheck(mountPoint),
  ];
  const health = new HealthMonitor(checks, { logger: nodeLogger });
  health.onChange((name, state) =>
    nodeLogger[state.status === 'up' ? 'info' : 'warn'](
      { check: name, status: state.status, error: state.lastError },
      `health check ${name} is ${state.status}`,
    ),
  );
  // A check is up after two successes in a row (hysteresis): probe twice at start so a healthy
  // node reports Active from its first telemetry rather than "not checked yet".
  await health.runOnce();
  await health.runOnce();
  health.start();
  context.onShutdown(async () => {
    await health.stop();
    await databaseCheck.close();
  });

  const jobs = await startNodeJobs(
    {
      clusterId: identity.clusterId,
      nodeId: identity.nodeId,
      roles: config.roles,
      databaseUrl,
      redisUrl: config.local.main.redisUrl,
      pool,
      settings,
      health,
      logger: nodeLogger,
    },
    context,
  );

  let election: ElectionRuntime | undefined;

  const clock = new DatabaseClockRepository(pool);
  let clockSkewMs: number | null = null;
  const measureSkew = (): void =>
    void measureClockSkew(clock).then(
      (skew) => {
        clockSkewMs = Math.round(skew.skewMs);
        if (skew.warn)
          nodeLogger.warn(
            { skewMs: clockSkewMs },
            'this node’s clock is off from the database clock by more than 1 s',
          );
      },
      () => undefined,
    );
  measureSkew();
  const skewTimer = setInterval(measureSkew, 60_000).unref();
  context.onShutdown(() => clearInterval(skewTimer));

  const storageStats = new StatfsStorageStatsProvider(mountPoint);
  const scanProgress: NodeRuntime['scanProgress'] = {};
  const reporter = new TelemetryReporter(
    identity.client,
    {
      nodeId: identity.nodeId,
      workerId: context.workerId,
      app: context.app,
      version: context.version,
      roles: config.roles,
    },
    {
      host: new OsHostInfoProvider(),
      status: () => nodeStatus(health, settingsProblem),
      leader: () => election?.elector.current() ?? { isLeader: false, term: null },
      health: () => health.snapshot(),
      jobs: () => jobs.roleCounts(),
      queues: () => queueCountsByJob(jobs),
      storage: async () => {
        if (!election?.elector.current().isLeader) return undefined;
        const stats = await storageStats.read();
        const scan = scanProgress.current;
        if (!scan) return stats;
        const { files, ...totals } = scan;
        return { ...stats, ...(files === undefined ? {} : { files }), scan: totals };
      },
      clockSkewMs: () => clockSkewMs,
    },
    { logger: nodeLogger.child({ component: 'telemetry' }) },
  );
  reporter.start();
  // Shutdown hooks run in reverse: the lease is released before the final "Stopped" report.
  context.onShutdown(() => reporter.stop());

  if (config.roles.includes('MAIN')) {
    election = createLeaderElector({
      databaseUrl,
      clusterId: identity.clusterId,
      nodeId: identity.nodeId,
      workerId: context.workerId,
      logger: nodeLogger.child({ component: 'election' }),
      eligible: health.eligibleForLeadership(),
    });
    const elector = election.elector;
    health.onChange(() => elector.setEligible(health.eligibleForLeadership()));
    elector.start();
    const opened = election;
    // Registered last, so it runs first on shutdown: a clean stop hands leadership over at once.
    context.onShutdown(() => opened.close());
  }

  return {
    identity,
    settings,
    settingsVersion: () => source.currentVersion,
    databaseUrl,
    mountPoint,
    pool,
    health,
    election,
    jobs,
    storageView: new StorageViewCache((version) => identity.client.myStorage(version), {
      logger: nodeLogger,
    }),
    secretEnv: config.secretEnv,
    scanProgress,
    readiness: readinessChecksFor(health),
  };
}

/** The cluster's queue depths keyed by job name (`_dead` for the dead-letter queue). */
function queueCountsByJob(jobs: NodeJobs) {
  const out: Record<string, Omit<ReturnType<NodeJobs['depths']>[number], 'queue'>> = {};
  for (const { queue, ...counts } of jobs.depths()) {
    out[queue.slice(queue.indexOf('.', 3) + 1)] = counts;
  }
  return out;
}

/** Error while a health check fails; Warning while the control plane's settings are rejected. */
function nodeStatus(health: HealthMonitor, settingsProblem: string | undefined) {
  const down = Object.entries(health.snapshot()).filter(([, result]) => result.status === 'down');
  if (down.length) {
    return {
      status: 'Error' as const,
      reason: down.map(([name, result]) => `${name}: ${result.message ?? 'down'}`).join('; '),
    };
  }
  if (settingsProblem) return { status: 'Warning' as const, reason: settingsProblem };
  return { status: 'Active' as const, reason: null };
}

/**
 * Asks the control plane who this node is, retrying while it is unreachable (it may be
 * starting with us); a refused token or unknown node fails at once.
 */
async function resolveIdentity(
  client: ControlPlaneClient,
  config: NodeConfig,
  context: AppContext,
): Promise<NodeIdentity> {
  const source =
    config.credentials.kind === 'node'
      ? config.credentials
      : {
          kind: 'join' as const,
          joinToken: config.credentials.joinToken,
          app: context.app,
          roles: config.roles,
        };
  const deadline = Date.now() + IDENTITY_WINDOW_MS;
  for (let attempt = 1; ; attempt++) {
    try {
      return await resolveNodeIdentity(client, source);
    } catch (error) {
      if (error instanceof ControlPlaneError && error.status < 500) {
        throw new ConfigError(
          `the control plane at ${config.controlPlaneUrl} refused this node (${error.status}: ${error.body?.message ?? 'no details'}); check storage-gateway-id and auth-token (or join-token)`,
          { key: config.credentials.kind === 'node' ? 'auth-token' : 'join-token' },
        );
      }
      if (Date.now() >= deadline) throw error;
      context.logger.warn({ attempt, err: error }, 'control plane not reachable yet; retrying');
      await new Promise((resolve) => setTimeout(resolve, Math.min(250 * attempt, 2000)));
    }
  }
}
