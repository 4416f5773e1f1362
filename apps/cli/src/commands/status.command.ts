import {
  ASSET_STATUSES,
  type CatalogSummary,
  type ClusterStatus,
  OUTPUT_FORMAT_KINDS,
  type OutputCounts,
  type StorageStatus,
} from '@portico/control-plane-client';
import { clientFor, loadContext, resolveCluster, type ContextFlags } from '../context';
import { ago, table } from '../format';
import { count, quoteArg } from './removals.command';

/**
 * `portico status`: nodes, roles, status, leader and term, last seen, the storage's scan, the
 * catalog's counts and the job queues.
 */
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
  lines.push(...renderCatalog(status.catalog));
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

/**
 * The catalog block: assets by status, the originals on the storage, the outputs stored out of
 * those made, and what the pipeline has still to do. Zero counts are left out where they say
 * nothing (a status no asset is in), kept where they are the news (0 checksummed).
 */
export function renderCatalog(catalog: CatalogSummary): string[] {
  const { assets, originals, outputs, jobs } = catalog;
  const statuses = ASSET_STATUSES.filter((status) => assets.byStatus[status] > 0).map(
    (status) => `${count(assets.byStatus[status])} ${status}`,
  );
  const removed = assets.removed > 0 ? `; ${count(assets.removed)} removed from the storage` : '';
  const assetLine =
    assets.live === 0
      ? `catalog no assets yet${removed}`
      : `catalog ${counted(assets.live, 'asset')}: ${statuses.join(', ')}${removed}`;

  const waiting = originals.files - originals.checksummed - originals.empty - originals.failed;
  const originalLine = `originals ${counted(originals.files, 'file')}, ${formatBytes(originals.bytes)}: ${[
    `${count(originals.checksummed)} checksummed`,
    ...(waiting > 0 ? [`${count(waiting)} to checksum`] : []),
    ...(originals.empty > 0 ? [`${count(originals.empty)} empty`] : []),
    ...(originals.failed > 0 ? [`${count(originals.failed)} failed`] : []),
  ].join(', ')}`;

  const formats = OUTPUT_FORMAT_KINDS.filter((kind) => made(outputs.byFormat[kind]) > 0).map((kind) => {
    const format = outputs.byFormat[kind];
    return `${kind} ${count(format.stored)}/${count(made(format))}${notStored(format)}`;
  });
  const outputLine =
    outputs.total === 0
      ? 'outputs none yet'
      : `outputs ${count(outputs.stored)}/${count(outputs.total)} stored${notStored(outputs)}: ${formats.join(', ')}`;

  const jobLine =
    `jobs    ${count(jobs.queued)} queued, ${count(jobs.active)} active, ` +
    `${counted(jobs.dead, 'dead letter')}; ${counted(catalog.pendingEvents, 'event')} pending`;
  return [assetLine, originalLine, outputLine, jobLine];
}

/** What of the outputs is not stored, e.g. " (1 pending, 2 failed)", or nothing. */
function notStored(counts: OutputCounts): string {
  const parts = [
    ...(counts.pending > 0 ? [`${count(counts.pending)} pending`] : []),
    ...(counts.failed > 0 ? [`${count(counts.failed)} failed`] : []),
  ];
  return parts.length > 0 ? ` (${parts.join(', ')})` : '';
}

function made(counts: OutputCounts): number {
  return counts.stored + counts.pending + counts.failed;
}

/** "1 file", "3 files", "1,000 files". */
export function counted(value: number, word: string): string {
  return `${count(value)} ${value === 1 ? word : `${word}s`}`;
}

/** Bytes in binary units with one decimal: "0 B", "1.5 KiB", "4.0 GiB". */
export function formatBytes(bytes: number): string {
  const units = ['KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];
  if (bytes < 1024) return `${bytes} B`;
  let value = bytes / 1024;
  let unit = 0;
  // Compared as printed, so that 1,048,575 bytes show as 1.0 MiB, not 1024.0 KiB.
  while (Math.round(value * 10) >= 10240 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}
