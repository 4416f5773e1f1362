import { Command, InvalidArgumentError, Option } from 'commander';
import { productVersion } from '@portico/platform';
import { TOKEN_KINDS, type TokenKind } from '@portico/control-plane-client';
import {
  settingsExplainCommand,
  settingsGetCommand,
  settingsSetCommand,
  settingsUnsetCommand,
  type SettingsFlags,
} from './commands/settings.command';
import { doctorCommand, type DoctorFlags } from './commands/doctor.command';
import {
  jobsActionCommand,
  jobsDeadCommand,
  jobsOverviewCommand,
  jobsShowCommand,
  type JobsFlags,
} from './commands/jobs.command';
import { removalsApproveCommand, removalsListCommand, type RemovalsFlags } from './commands/removals.command';
import { statusCommand } from './commands/status.command';
import { tokenCreateCommand } from './commands/token.command';
import type { ContextFlags } from './context';
import { up } from './up/up.command';

function wholeNumber(name: string, min: number, max: number) {
  return (value: string): number => {
    const parsed = Number(value);
    if (!/^\d+$/.test(value) || parsed < min || parsed > max) {
      throw new InvalidArgumentError(`${name} must be a whole number from ${min} to ${max}`);
    }
    return parsed;
  };
}

const program = new Command('portico')
  .description('Portico, the clustered media storage gateway')
  .version(productVersion());

program
  .command('up')
  .description('run a whole cluster on this machine: database, S3 endpoint, control plane and N nodes')
  .option('--nodes <n>', 'how many gateway nodes to run', wholeNumber('--nodes', 1, 16), 1)
  .option('--storage <dir>', 'the storage folder the cluster watches', 'var/storage')
  .option('--var <dir>', 'where the local cluster keeps its data, config and logs', 'var')
  .option('--port <n>', 'control-plane HTTP port (0 picks a free one)', wholeNumber('--port', 0, 65535), 8080)
  .option(
    '--database-url <url>',
    'use this PostgreSQL (or pgBouncer) instead of the embedded one (env PORTICO_DATABASE_URL)',
  )
  .option(
    '--ready-timeout <seconds>',
    'how long to wait for each process to become ready',
    wholeNumber('--ready-timeout', 1, 3600),
    60,
  )
  .action(
    async (options: {
      nodes: number;
      storage: string;
      var: string;
      port: number;
      databaseUrl?: string;
      readyTimeout: number;
    }) => {
      process.exitCode = await up({
        nodes: options.nodes,
        storage: options.storage,
        varDir: options.var,
        port: options.port,
        databaseUrl: options.databaseUrl ?? process.env.PORTICO_DATABASE_URL,
        readyTimeoutSeconds: options.readyTimeout,
      });
    },
  );

/** The options every command that talks to the control plane takes. */
function withControlPlane(command: Command): Command {
  return command
    .option(
      '--control-plane-url <url>',
      'control-plane URL (env PORTICO_CONTROL_PLANE_URL; default from var/context.json)',
    )
    .option('--token <token>', 'admin token (env PORTICO_ADMIN_TOKEN; default from var/context.json)')
    .option('--cluster <name|id>', 'the cluster (default: the only one, or the one `portico up` runs)')
    .option('--context <file>', 'context file written by `portico up` (env PORTICO_CONTEXT)');
}

/** Runs a command and turns any failure into one line and a non-zero exit code. */
function run<A extends unknown[]>(action: (...args: A) => Promise<number>) {
  return async (...args: A): Promise<void> => {
    try {
      process.exitCode = await action(...args);
    } catch (error) {
      console.error(`portico: ${error instanceof Error ? error.message : String(error)}`);
      process.exitCode = 1;
    }
  };
}

withControlPlane(program.command('status').description('nodes, roles, status, leader and term, last seen'))
  .option('--json', 'print the status as JSON')
  .action(run((options: ContextFlags & { json?: boolean }) => statusCommand(options)));

const jobs = withControlPlane(
  program.command('jobs').description('queue depths, active leases, dead letters; retry or discard them'),
)
  .option('--json', 'print as JSON')
  .action(run((options: JobsFlags) => jobsOverviewCommand(options)));
withControlPlane(jobs.command('dead').description('dead letters with their last error, newest first'))
  .option('--job <name>', 'only this job type, e.g. checksum.file')
  .option('--limit <n>', 'at most this many', wholeNumber('--limit', 1, 1000))
  .option('--before <time>', 'the page before this time (printed as "more:")')
  .option('--json', 'print as JSON')
  .action(
    run((options: JobsFlags & { job?: string; limit?: number; before?: string }) => jobsDeadCommand(options)),
  );
for (const action of ['retry', 'discard'] as const) {
  withControlPlane(
    jobs
      .command(`${action} [ids...]`)
      .description(
        action === 'retry'
          ? 'send dead letters back to their queues with fresh retries'
          : 'delete dead letters for good',
      ),
  )
    .option('--all', 'every dead letter (of --job when given)')
    .option('--job <name>', 'with --all: only this job type')
    .action(
      run((ids: string[], options: JobsFlags & { all?: boolean; job?: string }) =>
        jobsActionCommand(action, ids, options),
      ),
    );
}
withControlPlane(jobs.command('show <jobId>').description('one job: state, attempts, progress, errors'))
  .option('--json', 'print as JSON')
  .action(run((jobId: string, options: JobsFlags) => jobsShowCommand(jobId, options)));

const removals = withControlPlane(
  program
    .command('removals <storage>')
    .description(
      'removals held above max_deletions_per_scan: how many, the first paths, the approvals; `approve` them',
    ),
)
  .option('--limit <n>', 'show this many paths (default 20)', wholeNumber('--limit', 1, 1000))
  .option('--cursor <cursor>', 'the next page (printed as "more:")')
  .option('--json', 'print as JSON')
  .action(
    run((storage: string, options: RemovalsFlags & { limit?: number; cursor?: string }) =>
      removalsListCommand(storage, options),
    ),
  );
withControlPlane(
  removals
    .command('approve <storage> [paths...]')
    .description(
      'approve held removals (--all, or paths relative to the storage root); the leader applies them between two scans',
    ),
)
  .option('--all', 'every removal pending now')
  .option('--file-id <ids...>', 'catalog file ids (as `portico removals` lists them)')
  .option('--wait', 'wait (up to 2 min) until the leader has applied the approval')
  .option('--json', 'print the approval as JSON')
  .action(
    run(
      (
        storage: string,
        paths: string[],
        options: RemovalsFlags & { all?: boolean; fileId?: string[]; wait?: boolean },
      ) => removalsApproveCommand(storage, paths, options),
    ),
  );

const settings = program.command('settings').description('read and write cluster and node settings');
const nodeOption = '--node <name|id>';
withControlPlane(
  settings.command('get <key>').description('the effective value (of the cluster, or of one node)'),
)
  .option(nodeOption, 'for this node')
  .option('--config <file>', "the node's config.ini, for its local layer")
  .action(run((key: string, options: SettingsFlags) => settingsGetCommand(key, options)));
withControlPlane(
  settings
    .command('set <key> <value>')
    .description('set a cluster (or, with --node, node) setting; JSON values allowed'),
)
  .option(nodeOption, 'set it on this node')
  .action(
    run((key: string, value: string, options: SettingsFlags) => settingsSetCommand(key, value, options)),
  );
withControlPlane(settings.command('unset <key>').description('remove a cluster (or node) setting'))
  .option(nodeOption, 'remove it from this node')
  .action(run((key: string, options: SettingsFlags) => settingsUnsetCommand(key, options)));
withControlPlane(
  settings
    .command('explain <key>')
    .description('every layer (config.ini/env, node, cluster, default) and the winner'),
)
  .option(nodeOption, 'for this node')
  .option('--config <file>', "the node's config.ini (default: var/nodes/<node>/config.ini when it exists)")
  .option('--json', 'print the explanation as JSON')
  .action(
    run((key: string, options: SettingsFlags & { json?: boolean }) => settingsExplainCommand(key, options)),
  );

const token = program.command('token').description('issue node, join and admin tokens');
withControlPlane(token.command('create').description('issue a token; it is printed once'))
  .addOption(new Option('--kind <kind>', 'node, join or admin').choices(TOKEN_KINDS).makeOptionMandatory())
  .option(nodeOption, 'the node a node token acts as')
  .option('--description <text>', 'what the token is for')
  .option('--expires-in <seconds>', 'lifetime in seconds', wholeNumber('--expires-in', 1, 10 * 365 * 86400))
  .action(
    run(
      (
        options: ContextFlags & { kind: TokenKind; node?: string; description?: string; expiresIn?: number },
      ) => tokenCreateCommand(options),
    ),
  );

program
  .command('doctor')
  .description(
    "check one node's environment: config, control plane, database (TLS, pgBouncer pool mode), storage, ffmpeg, clock skew",
  )
  .option('--config <file>', "the node's config.ini (default: PORTICO_CONFIG, else ./config.ini)")
  .option('--json', 'print the results as JSON')
  .action(run((options: DoctorFlags) => doctorCommand(options)));

program.parseAsync(process.argv).catch((error: unknown) => {
  console.error(`portico: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
