import type { ControlPlaneClient, RemovalApproval, RemovalList } from '@portico/control-plane-client';
import { clientFor, loadContext, resolveCluster, type ContextFlags } from '../context';
import { table } from '../format';

export interface RemovalsFlags extends ContextFlags {
  json?: boolean;
}

/** How long `approve --wait` waits for the leader, and how often it looks. */
const WAIT_TIMEOUT_MS = 120_000;
const WAIT_POLL_MS = 1_000;

async function storageOf(flags: ContextFlags, wanted: string) {
  const context = loadContext(flags);
  const client = clientFor(context);
  const cluster = await resolveCluster(client, flags.cluster ?? context.clusterId);
  const { items } = await client.listStorages(cluster.id);
  const storage = items.find((candidate) => candidate.id === wanted || candidate.name === wanted);
  if (!storage)
    throw new Error(
      `no storage ${wanted} in cluster ${cluster.name}; storages: ${items.map((item) => item.name).join(', ') || 'none'}`,
    );
  return { client, cluster, storage };
}

/** `portico removals <storage>`: how many removals wait, the first paths, the latest approvals. Exit 3 while some wait. */
export async function removalsListCommand(
  storageName: string,
  flags: RemovalsFlags & { limit?: number; cursor?: string },
): Promise<number> {
  const { client, cluster, storage } = await storageOf(flags, storageName);
  const list = await client.listRemovals(cluster.id, storage.id, {
    limit: flags.limit ?? 20,
    cursor: flags.cursor,
  });
  if (flags.json) console.log(JSON.stringify(list, null, 2));
  else console.log(renderRemovals(storage.name, list));
  return list.pending > 0 ? 3 : 0;
}

export function renderRemovals(storageName: string, list: RemovalList): string {
  const lines: string[] = [];
  if (list.pending === 0) {
    lines.push(`storage ${storageName}: no removals pending`);
  } else {
    lines.push(
      `storage ${storageName}: ${count(list.pending)} ${plural(list.pending, 'removal')} pending ` +
        '(a scan found more files missing than max_deletions_per_scan and removed none)',
    );
    if (list.items.length > 0) {
      lines.push('');
      lines.push(
        table(
          ['path', 'missing since', 'catalog file'],
          list.items.map((item) => [item.path, item.detectedAt, item.fileId ?? '-']),
        ),
      );
      const rest = list.pending - list.items.length;
      if (list.nextCursor)
        lines.push(
          `… and more: --cursor ${list.nextCursor}${rest > 0 ? ` (${count(rest)} not shown here)` : ''}`,
        );
    }
  }
  const open = list.approvals.filter((approval) => approval.state === 'pending');
  if (list.approvals.length > 0) {
    lines.push('', 'approvals (newest first)');
    lines.push(
      table(
        ['approval', 'covers', 'by', 'at', 'state'],
        list.approvals.map((approval) => [
          approval.id.slice(0, 8),
          coverage(approval),
          approval.requestedBy.slice(0, 8),
          approval.requestedAt,
          approvalState(approval),
        ]),
      ),
    );
  }
  if (list.pending > 0 && open.length === 0) {
    lines.push(
      '',
      'check the storage first (a share that is not mounted looks like deleted files); then approve:',
      `  portico removals approve ${quoteArg(storageName)} --all      (or name the paths)`,
    );
  }
  return lines.join('\n');
}

/** `portico removals approve <storage> --all | <paths...>`: records an approval; the leader applies it. */
export async function removalsApproveCommand(
  storageName: string,
  paths: string[],
  flags: RemovalsFlags & { all?: boolean; fileId?: string[]; wait?: boolean },
): Promise<number> {
  const named = paths.length > 0 || (flags.fileId?.length ?? 0) > 0;
  if (named === Boolean(flags.all)) {
    console.error(
      'portico removals approve: give --all, or the paths (relative to the storage root) and/or --file-id',
    );
    return 2;
  }
  const { client, cluster, storage } = await storageOf(flags, storageName);
  const approval = await client.approveRemovals(
    cluster.id,
    storage.id,
    flags.all
      ? { all: true }
      : {
          ...(paths.length > 0 ? { paths } : {}),
          ...(flags.fileId?.length ? { fileIds: flags.fileId } : {}),
        },
  );
  if (!flags.wait) {
    if (flags.json) console.log(JSON.stringify(approval, null, 2));
    else console.log(renderApproved(storage.name, approval));
    return 0;
  }
  if (!flags.json) console.log(renderApproved(storage.name, approval));
  const final = await waitForLeader(client, approval);
  if (flags.json) console.log(JSON.stringify(final, null, 2));
  else console.log(renderApplied(final));
  return final.state === 'applied' ? 0 : 3;
}

export function renderApproved(storageName: string, approval: RemovalApproval): string {
  return (
    `approved ${coverage(approval)} of storage ${storageName} (approval ${approval.id}); ` +
    'the leader applies it between two scans, once the storage is healthy and its sentinel present'
  );
}

export function renderApplied(approval: RemovalApproval): string {
  if (approval.state === 'pending')
    return `not applied yet${approval.waitingReason ? `: ${approval.waitingReason}` : ' (the leader has not got to it; is a scan running?)'}`;
  const parts = [`applied by term ${approval.appliedTerm ?? '?'}: ${count(approval.removed)} removed`];
  if (approval.cancelled > 0)
    parts.push(`${count(approval.cancelled)} back on the storage (kept in the catalog)`);
  if (approval.kept > 0) parts.push(`${count(approval.kept)} could not be checked (still pending)`);
  return parts.join(', ');
}

/** Polls the list until the leader applied the approval (or the wait times out), printing why it waits. */
async function waitForLeader(
  client: ControlPlaneClient,
  approval: RemovalApproval,
): Promise<RemovalApproval> {
  const deadline = Date.now() + WAIT_TIMEOUT_MS;
  let reported: string | null = null;
  let current = approval;
  for (;;) {
    const list = await client.listRemovals(approval.clusterId, approval.storageId, { limit: 1 });
    current = list.approvals.find((candidate) => candidate.id === approval.id) ?? current;
    if (current.state === 'applied' || Date.now() >= deadline) return current;
    if (current.waitingReason && current.waitingReason !== reported) {
      reported = current.waitingReason;
      console.error(`waiting: ${reported}`);
    }
    await new Promise((resolve) => setTimeout(resolve, WAIT_POLL_MS));
  }
}

function coverage(approval: RemovalApproval): string {
  return approval.all
    ? `all ${count(approval.pendingAtRequest)} pending ${plural(approval.pendingAtRequest, 'removal')}`
    : `${count(approval.pathCount)} named ${plural(approval.pathCount, 'removal')}`;
}

function approvalState(approval: RemovalApproval): string {
  if (approval.state === 'applied') return renderApplied(approval);
  return approval.waitingReason
    ? `waiting: ${approval.waitingReason}`
    : 'pending (the leader applies it between two scans)';
}

export function count(value: number): string {
  return value.toLocaleString('en-US');
}

function plural(value: number, word: string): string {
  return value === 1 ? word : `${word}s`;
}

/** A storage name as typed on a command line (quoted when it has spaces or quotes). */
export function quoteArg(value: string): string {
  return /^[\w.@:-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}
