import { Command, InvalidArgumentError } from 'commander';
import { productVersion } from '@portico/platform';
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

program.parseAsync(process.argv).catch((error: unknown) => {
  console.error(`portico: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
