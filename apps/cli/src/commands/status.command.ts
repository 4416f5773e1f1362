import type { ClusterStatus, StorageStatus } from '@portico/control-plane-client';
import { clientFor, loadContext, resolveCluster, type ContextFlags } from '../context';
import { ago, table } from '../format';
import { count, quoteArg } from './removals.command';

/** `portico status`: nodes, roles, status, leader and term, last seen, the storage's scan. */
export async function statusCommand(flags: ContextFlags & { json?: boolean }): Promise<number> {
  const client = clientFor(loadContext(flags));
  const cluster = await resolveCluster(client, flags.cluster ?? loadContext(flags).clusterId);
  const status = await client.clusterStatus(cluster.id);
  if (flags.json) console.log(JSON.stringify(status, null, 2));
  else console.log(renderStatus(status));
  return status.operational ? 0 : 3;
}

export function renderStatus(status: ClusterStatus): string {
  const lines: string[] = [];
  lines.push(
    `cluster ${status.cluster.name} (${status.cluster.id})  ${status.operational ? 'operational' : 'NOT OPERATIONAL'}`,
  );
  const leader = status.leader;
  const leaderNode = status.nodes.find((node) => node.isLeader);
  if (leader?.current && leaderNode)
    lines.push(`leader  ${leaderNode.name}  term ${leader.term}  lease until ${leader.expiresAt}`);
  else lines.push(`leader  none${leader ? ` (last term ${leader.term})` : ''}`);
  lines.push('');
  lines.push(
    table(
      ['node', 'roles', 'status', 'leader', 'last seen', 'version', 'worker'],
      status.nodes.map((node) => [
        node.name,
        node.roles.join(','),
        node.status + (node.statusReason ? ` (${node.statusReason})` : ''),
        node.isLeader ? `yes (term ${leader?.term})` : '',
        ago(node.lastSeenAt, status.databaseTime),
        node.version ?? '-',
        node.workerId?.slice(0, 8) ?? '-',
      ]),
    ),
  );
  lines.push('');
  lines.push(
    `roles   ${Object.entries(status.roles)
      .map(([role, count]) => `${role} ${count}`)
      .join('  ')}`,
  );
  for (const storage of status.storages) lines.push(...renderStorage(storage, status.databaseTime));
  for (const problem of status.problems) lines.push(`problem ${problem}`);
  return lines.join('\n');
}

/** One line for the storage's scan, then what waits for the operator. */
export function renderStorage(storage: StorageStatus, databaseTime: string): string[] {
  const { scan } = storage;
  const rate = `${count(Math.round(scan.ratePerSecond))} files/s`;
  const last = `last completed scan ${ago(scan.lastCompletedAt, databaseTime)}`;
  const line =
    scan.state === 'scanning'
      ? `scanning  found ${count(scan.found)}  processed ${count(scan.processed)}  left ${
          scan.left === null ? '? (first scan)' : count(scan.left)
        }  ${rate}  started ${ago(scan.startedAt, databaseTime)}  ${last}`
      : scan.startedAt === null
        ? 'idle  never scanned yet'
        : `idle  ${last} (${count(scan.processed)} files, ${rate})`;
  const lines = [`storage ${storage.name}  ${line}`];
  if (storage.pendingRemovals > 0)
    lines.push(
      `removals ${count(storage.pendingRemovals)} pending, waiting for an operator${
        storage.approvalsWaiting > 0 ? ` (${storage.approvalsWaiting} approval(s) not applied yet)` : ''
      }: portico removals ${quoteArg(storage.name)}`,
    );
  for (const warning of storage.warnings) lines.push(`warning ${warning}`);
  return lines;
}
