import type { DeadLetterList, JobDetail, JobsOverview } from '@portico/control-plane-client';
import { clientFor, loadContext, resolveCluster, type ContextFlags } from '../context';
import { table } from '../format';

export interface JobsFlags extends ContextFlags {
  json?: boolean;
}

async function clusterOf(flags: ContextFlags) {
  const context = loadContext(flags);
  const client = clientFor(context);
  const cluster = await resolveCluster(client, flags.cluster ?? context.clusterId);
  return { client, cluster };
}

/** `portico jobs`: queue depths, active leases and dead letters per queue. Exit 3 when dead letters wait. */
export async function jobsOverviewCommand(flags: JobsFlags): Promise<number> {
  const { client, cluster } = await clusterOf(flags);
  const overview = await client.jobsOverview(cluster.id);
  if (flags.json) console.log(JSON.stringify(overview, null, 2));
  else console.log(renderOverview(cluster.name, overview));
  return overview.totals.dead > 0 ? 3 : 0;
}

export function renderOverview(clusterName: string, overview: JobsOverview): string {
  const rows = overview.queues
    .filter((queue) => queue.job !== '_dead')
    .map((queue) => [
      queue.job,
      String(queue.queued),
      String(queue.deferred),
      String(queue.active),
      String(queue.leases),
      String(queue.dead),
    ]);
  const { totals } = overview;
  return [
    `cluster ${clusterName}: ${totals.queued} queued, ${totals.active} active, ${totals.leases} leases, ${totals.dead} dead letters`,
    '',
    table(['job', 'queued', 'deferred', 'active', 'leases', 'dead'], rows),
    ...(totals.dead > 0
      ? ['', 'dead letters wait: `portico jobs dead`, then `portico jobs retry` or `discard`']
      : []),
  ].join('\n');
}

export async function jobsDeadCommand(
  flags: JobsFlags & { job?: string; limit?: number; before?: string },
): Promise<number> {
  const { client, cluster } = await clusterOf(flags);
  const list = await client.listDeadLetters(cluster.id, {
    job: flags.job,
    limit: flags.limit,
    before: flags.before,
  });
  if (flags.json) console.log(JSON.stringify(list, null, 2));
  else console.log(renderDead(list));
  return 0;
}

export function renderDead(list: DeadLetterList): string {
  if (list.items.length === 0) return 'no dead letters';
  const lines = [
    table(
      ['id', 'job', 'dead at', 'retries', 'last error'],
      list.items.map((letter) => [
        letter.id,
        letter.job ?? '?',
        letter.deadAt,
        String(letter.retries ?? '-'),
        errorText(letter.error),
      ]),
    ),
  ];
  if (list.nextBefore) lines.push('', `more: --before ${list.nextBefore}`);
  return lines.join('\n');
}

function errorText(error: unknown): string {
  if (error && typeof error === 'object') {
    const { errorName, message } = error as { errorName?: unknown; message?: unknown };
    if (typeof message === 'string')
      return `${typeof errorName === 'string' ? `${errorName}: ` : ''}${message}`.slice(0, 160);
  }
  return error === null || error === undefined ? '-' : JSON.stringify(error).slice(0, 160);
}

export async function jobsActionCommand(
  action: 'retry' | 'discard',
  ids: string[],
  flags: JobsFlags & { all?: boolean; job?: string },
): Promise<number> {
  if (ids.length > 0 === Boolean(flags.all)) {
    console.error(`portico jobs ${action}: give dead-letter ids, or --all (optionally with --job)`);
    return 2;
  }
  const { client, cluster } = await clusterOf(flags);
  const selection = flags.all ? { all: true as const, ...(flags.job ? { job: flags.job } : {}) } : { ids };
  const { count } =
    action === 'retry'
      ? await client.retryDeadLetters(cluster.id, selection)
      : await client.discardDeadLetters(cluster.id, selection);
  console.log(
    `${action === 'retry' ? 'retried' : 'discarded'} ${count} dead letter${count === 1 ? '' : 's'}`,
  );
  return 0;
}

export async function jobsShowCommand(jobId: string, flags: JobsFlags): Promise<number> {
  const { client, cluster } = await clusterOf(flags);
  const job = await client.getJob(cluster.id, jobId);
  if (flags.json) console.log(JSON.stringify(job, null, 2));
  else console.log(renderJob(job));
  return 0;
}

export function renderJob(job: JobDetail): string {
  return [
    `job ${job.id} (${job.job ?? '?'})  ${job.state}  retry ${job.retryCount}/${job.retryLimit}`,
    `created ${job.createdAt}  started ${job.startedAt ?? '-'}  completed ${job.completedAt ?? '-'}`,
    `progress ${job.progress === null ? '-' : JSON.stringify(job.progress)}`,
    '',
    table(
      ['attempt', 'state', 'node', 'started', 'finished', 'error'],
      job.attempts.map((attempt) => [
        String(attempt.attempt),
        attempt.state,
        attempt.nodeId?.slice(0, 8) ?? '-',
        attempt.startedAt,
        attempt.finishedAt ?? '-',
        attempt.lastError ?? '',
      ]),
    ),
  ].join('\n');
}
