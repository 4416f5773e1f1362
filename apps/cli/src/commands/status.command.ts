import type { ClusterStatus } from '@portico/control-plane-client';
import { clientFor, loadContext, resolveCluster, type ContextFlags } from '../context';
import { ago, table } from '../format';

/** `portico status`: nodes, roles, status, leader and term, last seen. */
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
  for (const problem of status.problems) lines.push(`problem ${problem}`);
  return lines.join('\n');
}
