import { deriveClusterStatus, type StatusInput, type StatusNode } from './cluster-status';

const now = new Date('2026-01-01T12:00:00Z');
const ago = (seconds: number) => new Date(now.getTime() - seconds * 1000);

function node(id: string, roles: StatusNode['roles'], overrides: Partial<StatusNode> = {}): StatusNode {
  return {
    id,
    name: id,
    roles,
    status: 'Active',
    statusReason: null,
    lastSeenAt: ago(1),
    telemetryIntervalSeconds: 5,
    workerId: `${id}-worker`,
    version: '1.0.0',
    ...overrides,
  };
}

const noCatalog: StatusInput['catalog'] = {
  assetsByStatus: { registered: 0, empty: 0, checksummed: 0, ready: 0, failed: 0 },
  assetsRemoved: 0,
  originals: { files: 0, bytes: 0, checksummed: 0, empty: 0, failed: 0 },
  outputs: [],
  pendingEvents: 0,
  queues: [],
  deadLetterQueue: 'dead',
};

function input(nodes: StatusNode[], lease: StatusInput['lease']): StatusInput {
  return { cluster: { id: 'c', name: 'cluster' }, nodes, lease, storages: [], catalog: noCatalog, now };
}

const everyRole = node('all', ['MAIN', 'CHECKSUM', 'TRANSCODE', 'TRANSFER']);
const currentLease = {
  term: 3,
  leaderNodeId: 'all',
  leaderWorkerId: 'all-worker',
  expiresAt: new Date(now.getTime() + 10_000),
};

describe('cluster status', () => {
  it('is operational with every role held by a healthy node and a current MAIN leader', () => {
    const status = deriveClusterStatus(input([everyRole], currentLease));
    expect(status).toMatchObject({
      operational: true,
      problems: [],
      roles: { MAIN: 1, CHECKSUM: 1, TRANSCODE: 1, TRANSFER: 1 },
      leader: { nodeId: 'all', term: 3, current: true },
      databaseTime: now.toISOString(),
    });
    expect(status.nodes[0]?.isLeader).toBe(true);
  });

  it('counts Warning nodes as healthy, and Offline, Stopped and Error ones not', () => {
    const status = deriveClusterStatus(
      input(
        [
          node('m', ['MAIN'], { status: 'Warning' }),
          node('c', ['CHECKSUM'], { status: 'Error' }),
          node('t', ['TRANSCODE'], { status: 'Stopped' }),
          node('x', ['TRANSFER'], { status: 'Offline', lastSeenAt: null }),
        ],
        { ...currentLease, leaderNodeId: 'm' },
      ),
    );
    expect(status.roles).toEqual({ MAIN: 1, CHECKSUM: 0, TRANSCODE: 0, TRANSFER: 0 });
    expect(status.problems).toEqual([
      'no Active or Warning node holds the CHECKSUM role',
      'no Active or Warning node holds the TRANSCODE role',
      'no Active or Warning node holds the TRANSFER role',
    ]);
    expect(status.operational).toBe(false);
  });

  it('shows a silent node Offline before the sweep has recorded it', () => {
    const status = deriveClusterStatus(
      input([node('all', everyRole.roles, { lastSeenAt: ago(16) })], currentLease),
    );
    expect(status.nodes[0]).toMatchObject({ status: 'Offline', statusReason: 'no telemetry for 16s' });
    expect(status.operational).toBe(false);
    // Exactly at three intervals it is still counted.
    expect(
      deriveClusterStatus(input([node('all', everyRole.roles, { lastSeenAt: ago(15) })], currentLease))
        .operational,
    ).toBe(true);
  });

  it('reports an expired lease, a missing lease and a leader that is not a MAIN node', () => {
    const expired = deriveClusterStatus(input([everyRole], { ...currentLease, expiresAt: ago(1) }));
    expect(expired.leader?.current).toBe(false);
    expect(expired.nodes[0]?.isLeader).toBe(false);
    expect(expired.problems).toEqual(['no current leader: the lease of term 3 expired or was released']);

    const none = deriveClusterStatus(input([everyRole], null));
    expect(none.leader).toBeNull();
    expect(none.problems).toEqual(['no leader has been elected yet among the MAIN nodes']);

    const released = deriveClusterStatus(
      input([everyRole], { ...currentLease, leaderNodeId: null, leaderWorkerId: null }),
    );
    expect(released.leader).toMatchObject({ nodeId: null, current: false });

    const stranger = deriveClusterStatus(
      input([everyRole, node('w', ['CHECKSUM'])], { ...currentLease, leaderNodeId: 'w' }),
    );
    expect(stranger.problems).toEqual(['the lease holder is not a MAIN node of this cluster']);
  });
});
