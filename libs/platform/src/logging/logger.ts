import pino, { type Logger, type LevelWithSilent } from 'pino';
import { redactPaths, scrubSecrets } from './redact';

export type { Logger } from 'pino';

export interface LoggerOptions {
  /** The app or command name, e.g. `checksum-worker`. */
  app: string;
  level?: LevelWithSilent;
  /** Fields on every line: node id, worker id, version. */
  base?: Record<string, unknown>;
  /** Where lines go; stdout unless a test captures them. */
  destination?: pino.DestinationStream;
}

/**
 * One JSON line per event. Secret fields are replaced by pino's redaction; messages and error
 * texts are scrubbed too, because secrets most often leak through an error's message.
 */
export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: { app: options.app, pid: process.pid, ...options.base },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: redactPaths(), censor: '****' },
      formatters: { level: (label) => ({ level: label }) },
      hooks: {
        logMethod(args, method) {
          const scrubbed = args.map((arg) => (typeof arg === 'string' ? scrubSecrets(arg) : arg));
          method.apply(this, scrubbed as Parameters<typeof method>);
        },
      },
      serializers: {
        err: (error: unknown) => {
          const serialized = pino.stdSerializers.err(error as Error);
          return {
            ...serialized,
            message: scrubSecrets(serialized.message ?? ''),
            stack: serialized.stack ? scrubSecrets(serialized.stack) : undefined,
          };
        },
      },
    },
    options.destination ?? pino.destination({ fd: 1, sync: false }),
  );
}
