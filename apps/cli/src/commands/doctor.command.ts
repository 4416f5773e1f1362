import { ControlPlaneClient, ControlPlaneError, type NodeSelf } from '@portico/control-plane-client';
import { StorageHealthCheck } from '@portico/cluster';
import { DatabaseConnectionError } from '@portico/db';
import { loadNodeConfig, scrubSecrets, type NodeConfig } from '@portico/platform';
import { loadLocalConfig, type LocalConfig } from '@portico/settings';
import { DatabaseProbe } from '../doctor/database-probe.adapter';
import {
  clockSkewVerdict,
  doctorExitCode,
  poolModeVerdict,
  redactResults,
  renderDoctor,
  skipped,
  tlsVerdict,
  toolVerdict,
  type CheckResult,
  type DoctorReport,
} from '../doctor/doctor-report';
import { toolVersion } from '../doctor/tool-version.adapter';

export interface DoctorFlags {
  /** The node's config.ini (else PORTICO_CONFIG, else ./config.ini), as the node itself reads it. */
  config?: string;
  json?: boolean;
}

/** Where the node's local layer comes from, as a node process gets it. */
export interface DoctorInput {
  argv: string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
}

const STORAGE_TIMEOUT_MS = 10_000;

/** `portico doctor`: checks one node's environment; exit code 0 unless a check failed. */
export async function doctorCommand(flags: DoctorFlags): Promise<number> {
  const report = await runDoctor({
    argv: flags.config ? ['--config', flags.config] : [],
    env: process.env,
    cwd: process.cwd(),
  });
  const exitCode = doctorExitCode(report.results);
  if (flags.json) console.log(JSON.stringify({ ...report, exitCode }, null, 2));
  else console.log(renderDoctor(report));
  return exitCode;
}

export async function runDoctor(input: DoctorInput): Promise<DoctorReport> {
  const results: CheckResult[] = [];
  const secrets: Array<string | undefined> = [];

  // 1. The local layer, read exactly as the node reads it at start.
  let node: NodeConfig | undefined;
  let local: LocalConfig | undefined;
  try {
    node = loadNodeConfig('gateway', input);
    local = node.local;
    const file = local.file.exists ? `${local.file.path} parsed` : `no ${local.file.path}; PORTICO_* only`;
    const who =
      node.credentials.kind === 'node'
        ? `node ${node.credentials.nodeId}`
        : 'join token (not registered yet)';
    const settings = Object.keys(local.settings).length;
    results.push({
      check: 'config',
      status: 'pass',
      summary: `${file}: ${who}, ${settings} local setting${settings === 1 ? '' : 's'}`,
    });
  } catch (error) {
    results.push({ check: 'config', status: 'fail', summary: messageOf(error) });
    local = tryLoadLocal(input);
  }
  if (node?.credentials.kind === 'node') secrets.push(node.credentials.token);
  if (node?.credentials.kind === 'join') secrets.push(node.credentials.joinToken);

  // 2. The control plane, with the node's own token.
  let self: NodeSelf | undefined;
  if (!node) results.push(skipped('control plane', 'the config has no usable control plane and identity'));
  else {
    const checked = await checkControlPlane(node);
    self = checked.self;
    results.push(checked.result);
  }

  // 3. The database, through the URI the node would use (so through pgBouncer when there is one).
  const localUrl = local?.main.databaseUrl;
  const clusterUrl = self?.cluster.settings.db_connection_uri;
  const databaseUrl = localUrl ?? (typeof clusterUrl === 'string' ? clusterUrl : undefined);
  const source = localUrl ? 'local database-url' : 'cluster db_connection_uri';
  secrets.push(databaseUrl);
  const databaseChecks = ['database TLS', 'pool mode', 'clock skew'];
  if (!databaseUrl) {
    results.push({
      check: 'database',
      status: 'fail',
      summary: self
        ? 'no database configured: neither [main] database-url nor the cluster db_connection_uri is set'
        : 'no [main] database-url, and the cluster db_connection_uri is unknown without the control plane',
    });
    for (const check of databaseChecks) results.push(skipped(check, 'no database'));
  } else {
    results.push(...(await checkDatabase(databaseUrl, source, secrets)));
  }

  // 4. Storage: write, read back and delete a probe file, like the node's health check.
  const mountPoint = local?.storage.mountPoint ?? self?.node.mountPoint ?? undefined;
  results.push(mountPoint ? await checkStorage(mountPoint) : noMountPoint(!!self));

  // 5. ffmpeg and ffprobe, needed by nodes with the TRANSCODE role.
  const roles = self?.node.roles ?? node?.roles;
  const transcodes = roles ? roles.includes('TRANSCODE') : true;
  const [ffmpeg, ffprobe] = await Promise.all([toolVersion('ffmpeg'), toolVersion('ffprobe')]);
  results.push(toolVerdict('ffmpeg', ffmpeg, transcodes), toolVerdict('ffprobe', ffprobe, transcodes));

  const order = ['config', 'control plane', 'database', ...databaseChecks, 'storage', 'ffmpeg', 'ffprobe'];
  results.sort((a, b) => order.indexOf(a.check) - order.indexOf(b.check));
  const clean = redactResults(results, secrets).map((result) => ({
    ...result,
    summary: scrubSecrets(result.summary),
    ...(result.hint ? { hint: scrubSecrets(result.hint) } : {}),
  }));
  const configFile = local?.file.path ?? input.argv[1] ?? input.env.PORTICO_CONFIG ?? 'config.ini';
  return { subject: subjectOf(node, configFile, self), results: clean };
}

function tryLoadLocal(input: DoctorInput): LocalConfig | undefined {
  try {
    return loadLocalConfig(input);
  } catch {
    return undefined;
  }
}

async function checkControlPlane(node: NodeConfig): Promise<{ result: CheckResult; self?: NodeSelf }> {
  const url = node.controlPlaneUrl;
  const check = 'control plane';
  if (node.credentials.kind === 'join') {
    try {
      await new ControlPlaneClient({ baseUrl: url, timeoutMs: 5000 }).ping();
      return {
        result: {
          check,
          status: 'warn',
          summary: `${url} is reachable; this node has a join token and is not registered yet, so its token was not checked`,
          hint: 'start the node once to register it, then run doctor again',
        },
      };
    } catch (error) {
      return { result: { check, status: 'fail', summary: messageOf(error) } };
    }
  }
  const client = new ControlPlaneClient({ baseUrl: url, token: node.credentials.token, timeoutMs: 5000 });
  try {
    const self = await client.me();
    if (!self) throw new Error(`${url} answered GET /nodes/me without a body`);
    return {
      self,
      result: {
        check,
        status: 'pass',
        summary: `${url} accepted the node token: node ${self.node.name} in cluster ${self.cluster.name} (settings version ${self.version})`,
      },
    };
  } catch (error) {
    if (error instanceof ControlPlaneError && (error.status === 401 || error.status === 403)) {
      return {
        result: {
          check,
          status: 'fail',
          summary: `${url} refused the node token (${error.status}: ${error.body?.message ?? 'no details'})`,
          hint: 'check storage-gateway-id and auth-token; issue a new one with `portico token create --kind node --node <name>`',
        },
      };
    }
    return { result: { check, status: 'fail', summary: messageOf(error) } };
  }
}

async function checkDatabase(
  url: string,
  source: string,
  secrets: Array<string | undefined>,
): Promise<CheckResult[]> {
  let probe: DatabaseProbe;
  try {
    probe = new DatabaseProbe(url);
  } catch (error) {
    return [
      databaseFailure(error),
      skipped('database TLS', 'invalid database URI'),
      skipped('pool mode', 'invalid database URI'),
      skipped('clock skew', 'invalid database URI'),
    ];
  }
  secrets.push(probe.target.password);
  try {
    const { info, tls, latencyMs } = await probe.connect();
    const [pooler, skew] = await Promise.all([
      probe.pooler(),
      probe.clockSkew().then(
        (value) => ({ ok: true as const, value }),
        (error: unknown) => ({ ok: false as const, error }),
      ),
    ]);
    return [
      {
        check: 'database',
        status: 'pass',
        summary: `${probe.target.masked} (${source}): PostgreSQL ${info.serverVersion}, database ${info.database} as ${info.user}, connected in ${latencyMs} ms`,
      },
      tlsVerdict(tls),
      poolModeVerdict(pooler),
      skew.ok
        ? clockSkewVerdict(skew.value)
        : {
            check: 'clock skew',
            status: 'fail',
            summary: `could not read the database clock: ${messageOf(skew.error)}`,
          },
    ];
  } catch (error) {
    return [
      databaseFailure(error),
      skipped('database TLS', 'database unreachable'),
      skipped('pool mode', 'database unreachable'),
      skipped('clock skew', 'database unreachable'),
    ];
  } finally {
    await probe.close();
  }
}

function databaseFailure(error: unknown): CheckResult {
  if (error instanceof DatabaseConnectionError) {
    // Its message already ends with the hint; keep the line whole.
    return { check: 'database', status: 'fail', summary: error.message };
  }
  return { check: 'database', status: 'fail', summary: messageOf(error) };
}

async function checkStorage(mountPoint: string): Promise<CheckResult> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(
        new Error(
          `storage at ${mountPoint} did not answer within ${STORAGE_TIMEOUT_MS / 1000} s (hung mount?)`,
        ),
      );
    }, STORAGE_TIMEOUT_MS);
  });
  try {
    const details = await Promise.race([new StorageHealthCheck(mountPoint).run(controller.signal), timeout]);
    const latency = typeof details.latencyMs === 'number' ? `${details.latencyMs} ms` : 'ok';
    return {
      check: 'storage',
      status: 'pass',
      summary: `${mountPoint}: wrote, read back and deleted a probe file under .portico/ (${latency})`,
    };
  } catch (error) {
    return { check: 'storage', status: 'fail', summary: messageOf(error) };
  } finally {
    clearTimeout(timer);
  }
}

function noMountPoint(knowsNode: boolean): CheckResult {
  return {
    check: 'storage',
    status: 'fail',
    summary: knowsNode
      ? 'no mount point: neither [storage] mount-point nor the node mount point on the control plane is set'
      : 'no [storage] mount-point, and the node mount point is unknown without the control plane',
  };
}

function subjectOf(node: NodeConfig | undefined, file: string, self: NodeSelf | undefined): string {
  if (self) return `node ${self.node.name} (${self.node.id}) of cluster ${self.cluster.name}, config ${file}`;
  if (node?.credentials.kind === 'node') return `node ${node.credentials.nodeId}, config ${file}`;
  return `config ${file}`;
}

/** The error's message, with the network cause ("ECONNREFUSED") that `fetch failed` hides. */
function messageOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const inner = (error.cause as { cause?: { code?: unknown; message?: unknown } } | undefined)?.cause;
  const why = typeof inner?.code === 'string' ? inner.code : inner?.message;
  return typeof why === 'string' && why && !error.message.includes(why)
    ? `${error.message} (${why})`
    : error.message;
}
