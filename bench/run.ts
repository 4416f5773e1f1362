// Benchmark runner: `npm run bench -- <name> [--quick]` (SPEC 4). Results are JSON lines on
// stdout; progress on stderr. Exit 0 when the benchmark ran (targets missed or not: benchmarks
// never gate on time), 1 when it crashed, 2 on a usage error, 130/143 when interrupted.
import type { Benchmark } from './lib/benchmark';
import { Lifecycle } from './lib/lifecycle';
import { emitter, progress } from './lib/output';

interface Entry {
  readonly summary: string;
  readonly load: () => Promise<Benchmark>;
}

const BENCHMARKS: Readonly<Record<string, Entry>> = {
  pipeline: {
    summary: '10,000 files of 4 KiB appear on a one-node cluster -> all checksummed; vs raw pg-boss',
    load: async () => (await import('./pipeline/pipeline.bench')).pipeline,
  },
  catalog: {
    summary: 'fenced ingest of file batches + checksum jobs vs raw pg-boss inserts; re-ingest',
    load: async () => (await import('./catalog/catalog.bench')).catalog,
  },
  transfer: {
    summary:
      'resumable verified multipart upload vs lib-storage, verified download vs bare GetObject, resume',
    load: async () => (await import('./transfer/transfer.bench')).transfer,
  },
  scan: {
    summary: 'full scan and unchanged rescan of a 1,000,000-entry tree vs find -printf; peak RSS',
    load: async () => (await import('./scan/scan.bench')).scan,
  },
  failover: {
    summary: 'leader SIGKILL -> first fenced MAIN action of the new leader; false failovers under CPU load',
    load: async () => (await import('./failover/failover.bench')).failover,
  },
  checksum: {
    summary: 'MD5 of one worker vs md5sum on the same page-cached 1 GiB file; xxh64 throughput',
    load: async () => (await import('./checksum/checksum.bench')).checksum,
  },
  queue: {
    summary:
      'no-op jobs through the job runtime vs raw pg-boss; send -> start latency with Redis and polling',
    load: async () => (await import('./queue/queue.bench')).queue,
  },
  transcode: {
    summary: 'video proxy through the worker path (probe, fluent-ffmpeg, watchdog) vs the same ffmpeg bare',
    load: async () => (await import('./transcode/transcode.bench')).transcode,
  },
  'transcode-role': {
    summary: 'TRANSCODE handler on one video (3 profiles, catalog, upload jobs); same content again reuses',
    load: async () => (await import('./transcode-role/transcode-role.bench')).transcodeRole,
  },
};

function usage(problem: string): never {
  const lines = [
    problem,
    'usage: npm run bench -- <name> [--quick]',
    'benchmarks:',
    ...Object.entries(BENCHMARKS).map(([name, entry]) => `  ${name.padEnd(12)} ${entry.summary}`),
  ];
  process.stderr.write(`${lines.join('\n')}\n`);
  process.exit(2);
}

function message(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

async function main(argv: readonly string[]): Promise<void> {
  const flags = argv.filter((arg) => arg.startsWith('-'));
  const names = argv.filter((arg) => !arg.startsWith('-'));
  const unknownFlag = flags.find((flag) => flag !== '--quick');
  if (unknownFlag) usage(`unknown option: ${unknownFlag}`);
  if (names.length !== 1) usage(names.length === 0 ? 'no benchmark named' : 'name one benchmark');
  const name = names[0]!;
  const entry = Object.hasOwn(BENCHMARKS, name) ? BENCHMARKS[name] : undefined;
  if (!entry) usage(`unknown benchmark: ${name}`);

  const log = progress(name);
  const lifecycle = new Lifecycle(log);
  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (interrupted) process.exit(signal === 'SIGINT' ? 130 : 143);
    interrupted = true;
    log(`${signal}: cleaning up (send it again to exit at once)`);
    void lifecycle.close().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const crash = (error: unknown): void => {
    log(`crashed: ${message(error)}`);
    void lifecycle.close().finally(() => process.exit(1));
  };
  process.on('unhandledRejection', crash);
  process.on('uncaughtException', crash);

  const quick = flags.includes('--quick');
  const started = performance.now();
  log(`starting${quick ? ' (--quick)' : ''}`);
  try {
    const benchmark = await entry.load();
    await benchmark.run({ quick, emit: emitter(name), log, lifecycle });
  } catch (error) {
    if (interrupted) return;
    crash(error);
    return;
  }
  await lifecycle.close();
  // Every result line is out before the exit.
  await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
  log(`done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  process.exit(0);
}

void main(process.argv.slice(2));
