import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ControlPlaneError } from '@portico/control-plane-client';
import {
  createNodeIdentity,
  faults,
  getJson,
  harness,
  nodeEnv,
  startControlPlane,
  startNode,
  useTestDatabase,
  waitFor,
  type ControlPlaneHandle,
  type NodeHandle,
} from '@portico/testing';

// SPEC 2.3, "changes on the control plane reach running nodes live": two CHECKSUM nodes, one
// woken by Redis, one that only polls (every 2 s), each read through its own GET /settings.
const db = useTestDatabase();
const KEY = 'checksum_max_workers';
const POLL_INTERVAL_MS = 2000;
let scratch: string;
let controlPlane: ControlPlaneHandle;
let clusterId: string;
let viaRedis: NodeHandle;
let polling: NodeHandle;

interface NodeSettings {
  version: string;
  settings: Array<{ key: string; value: unknown; winner: string }>;
}

async function nodeSettings(node: NodeHandle): Promise<NodeSettings> {
  const { status, body } = await getJson(`${node.url}/settings`);
  if (status !== 200) throw new Error(`GET ${node.url}/settings answered ${status}`);
  return body as NodeSettings;
}

async function runningValue(node: NodeHandle): Promise<unknown> {
  return (await nodeSettings(node)).settings.find((setting) => setting.key === KEY)?.value;
}

/** Milliseconds from just before the API call until the node's GET /settings shows `value`. */
async function arrival(node: NodeHandle, value: number, since: number, timeoutMs: number): Promise<number> {
  return waitFor(async () => ((await runningValue(node)) === value ? Date.now() - since : undefined), {
    description: `${node.name} running with ${KEY} = ${value}`,
    timeoutMs,
    intervalMs: 20,
  });
}

/** Changes the cluster setting and measures when each node runs with it. */
async function change(value: number, nodes: NodeHandle[], timeoutMs = 10_000): Promise<number[]> {
  const since = Date.now();
  await controlPlane.admin.setClusterSetting(clusterId, KEY, value);
  return Promise.all(nodes.map((node) => arrival(node, value, since, timeoutMs)));
}

/** Warnings about Redis in a node's log (the node names here do not contain "redis"). */
function redisWarnings(node: NodeHandle): number {
  return node.process
    .logs()
    .filter((line) => (line.level === 'warn' || line.level === 40) && /redis/i.test(JSON.stringify(line)))
    .length;
}

beforeAll(async () => {
  scratch = mkdtempSync(path.join(tmpdir(), 'portico-settings-live-'));
  const { redisUrl } = harness();
  controlPlane = await startControlPlane({ databaseUrl: db.url, env: { PORTICO_REDIS_URL: redisUrl } });
  clusterId = (await controlPlane.admin.createCluster({ name: 'live' })).id;
  const start = async (name: string, extra: NodeJS.ProcessEnv) => {
    const identity = await createNodeIdentity(controlPlane.admin, clusterId, name, ['CHECKSUM']);
    const env = nodeEnv({
      controlPlaneUrl: controlPlane.url,
      databaseUrl: db.url,
      identity,
      mountPoint: path.join(scratch, 'storage'),
      extra,
    });
    return startNode('checksum-worker', name, identity.node.id, env);
  };
  [viaRedis, polling] = await Promise.all([
    start('subscriber', { PORTICO_REDIS_URL: redisUrl }),
    start('poller', {}),
  ]);
});

afterAll(async () => {
  // Redis must be up for the files that run after this one, whatever happened here.
  await faults.redis.start().catch(() => undefined);
  await Promise.all([viaRedis?.process.stop('SIGKILL'), polling?.process.stop('SIGKILL')]);
  await controlPlane?.process.stop('SIGKILL');
  rmSync(scratch, { recursive: true, force: true });
});

it('GET /settings shows what the node runs with, from which layer, secrets masked', async () => {
  const body = await nodeSettings(polling);
  expect(body.version).toMatch(/^\d+\.\d+$/);
  expect(body.settings.find((setting) => setting.key === KEY)).toMatchObject({ value: 2, winner: 'default' });
  // The node's PORTICO_DATABASE_URL is its local db_connection_uri: shown, but masked.
  expect(body.settings.find((setting) => setting.key === 'db_connection_uri')).toMatchObject({
    winner: 'local',
  });
  const password = decodeURIComponent(new URL(db.url).password);
  expect(JSON.stringify(body)).not.toContain(password);
});

it('a cluster change reaches the Redis node within ~1 s and the polling node within one poll interval', async () => {
  // Warm-up: both nodes run, and the Redis node's subscription has had its first round trip.
  await change(3, [viaRedis, polling]);
  const samples: Array<[number, number]> = [];
  for (const value of [4, 5, 6]) {
    const [redis, poll] = await change(value, [viaRedis, polling]);
    samples.push([redis!, poll!]);
  }
  console.log(
    `settings latency (ms) redis / polling: ${samples.map(([redis, poll]) => `${redis} / ${poll}`).join(', ')}`,
  );
  for (const [redis, poll] of samples) {
    expect(redis).toBeLessThan(1000);
    expect(poll).toBeLessThan(POLL_INTERVAL_MS + 1000);
  }
  const versions = await Promise.all([nodeSettings(viaRedis), nodeSettings(polling)]);
  expect(versions[0].version).toBe(versions[1].version);
});

it('a bad value is refused by the API and never reaches a node', async () => {
  const before = (await nodeSettings(polling)).version;
  const refused = await controlPlane.admin
    .setClusterSetting(clusterId, KEY, 0)
    .catch((error: unknown) => error);
  expect(refused).toBeInstanceOf(ControlPlaneError);
  expect((refused as ControlPlaneError).status).toBe(400);
  expect((refused as ControlPlaneError).message).toMatch(/checksum_max_workers/);
  const after = await nodeSettings(polling);
  expect(after.version).toBe(before);
  expect(after.settings.find((setting) => setting.key === KEY)?.value).toBe(6);
});

it('with Redis down, the Redis node still gets changes by polling, without a storm of warnings', async () => {
  const warningsBefore = redisWarnings(viaRedis);
  await faults.redis.stop();
  try {
    const during: number[] = [];
    for (const value of [7, 8]) {
      const [latency] = await change(value, [viaRedis]);
      during.push(latency!);
    }
    console.log(`settings latency (ms) of the Redis node while Redis is down: ${during.join(', ')}`);
    for (const latency of during) expect(latency).toBeLessThan(POLL_INTERVAL_MS + 1000);
    // The polling node polls on its own clock: it has the last value within one more interval.
    await arrival(polling, 8, Date.now(), POLL_INTERVAL_MS + 1000);
    // One warning per outage from each of the node's Redis users (settings, job wake-ups), however
    // many reconnects.
    const warnings = redisWarnings(viaRedis) - warningsBefore;
    console.log(`redis warnings logged by the Redis node during the outage: ${warnings}`);
    expect(warnings).toBeGreaterThanOrEqual(1);
    expect(warnings).toBeLessThanOrEqual(2);
  } finally {
    await faults.redis.start();
  }

  // Recovery: the node says so, and once the control plane's publisher has reconnected too,
  // changes arrive at once again (well under the poll interval, several times in a row).
  await viaRedis.process.waitForLine(/redis reachable again/, 15_000);
  let value = 9;
  const fast = 500;
  const first = await waitFor(
    async () => {
      const [latency] = await change(value++, [viaRedis]);
      return latency! < fast ? latency : undefined;
    },
    {
      description: `a change reaching the Redis node within ${fast} ms after Redis is back`,
      timeoutMs: 20_000,
    },
  );
  const after = [first, ...(await change(value++, [viaRedis])), ...(await change(value++, [viaRedis]))];
  console.log(`settings latency (ms) of the Redis node after Redis is back: ${after.join(', ')}`);
  for (const latency of after) expect(latency).toBeLessThan(fast);
});
