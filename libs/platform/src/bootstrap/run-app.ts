import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type DynamicModule, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { LevelWithSilent, Logger } from 'pino';
import { LogTee } from '../logging/log-tee';
import { createLogger } from '../logging/logger';
import { PinoNestLogger } from '../logging/nest-logger';
import { scrubSecrets } from '../logging/redact';
import { MetricsRegistry } from '../metrics/metrics';
import { productVersion } from './version';

export interface AppContext {
  app: string;
  version: string;
  /** New at every start of the process. */
  workerId: string;
  logger: Logger;
  metrics: MetricsRegistry;
  /** Every log line (JSON, secrets redacted) also goes to `sink`; returns the detach function. */
  attachLogSink(sink: (line: string) => void): () => void;
  /** Called on shutdown, after Nest has closed, in reverse order of registration. */
  onShutdown(hook: () => Promise<void> | void): void;
}

export interface AppSpec<C> {
  app: string;
  /** Builds the typed, validated config; throws an operator-readable error when it can't. */
  loadConfig(): C;
  http(config: C): { host: string; port: number };
  logLevel(config: C): LevelWithSilent;
  /** Work before the HTTP server starts (wait for the database, migrate); may register shutdown hooks. */
  prepare?(config: C, context: AppContext): Promise<void>;
  module(config: C, context: AppContext): DynamicModule;
  /** Adjusts the created app before it listens (global prefix, OpenAPI document). */
  configure?(app: INestApplication, config: C, context: AppContext): void;
  /** Seconds to finish in-flight work after SIGTERM before exiting anyway. */
  shutdownGraceSeconds?: number;
}

/** Exit codes: 2 = bad configuration, 1 = could not start or crashed. */
const EXIT_CONFIG = 2;
const EXIT_FAILURE = 1;

/**
 * Boots one Portico process: config → logger → prepare → Nest HTTP app; then waits for
 * SIGTERM/SIGINT and closes everything in order within the grace period. Any failure before
 * the server listens ends the process with one clear line on stderr and a non-zero exit.
 */
export async function runApp<C>(spec: AppSpec<C>): Promise<INestApplication | undefined> {
  let config: C;
  try {
    config = spec.loadConfig();
  } catch (error) {
    return failBoot(spec.app, error, EXIT_CONFIG);
  }

  const workerId = randomUUID();
  const version = productVersion();
  const tee = new LogTee(process.stdout);
  const logger = createLogger({
    app: spec.app,
    level: spec.logLevel(config),
    base: { workerId },
    destination: tee,
  });
  const metrics = new MetricsRegistry({ app: spec.app, version, workerId });
  const shutdownHooks: Array<() => Promise<void> | void> = [];
  const context: AppContext = {
    app: spec.app,
    version,
    workerId,
    logger,
    metrics,
    attachLogSink: (sink) => tee.attach(sink),
    onShutdown: (hook) => void shutdownHooks.unshift(hook),
  };
  const runHooks = async (): Promise<void> => {
    for (const hook of shutdownHooks.splice(0)) {
      try {
        await hook();
      } catch (error) {
        logger.error({ err: error }, 'shutdown step failed');
      }
    }
  };

  let app: INestApplication;
  try {
    await spec.prepare?.(config, context);
    app = await NestFactory.create(spec.module(config, context), {
      logger: new PinoNestLogger(logger.child({ component: 'nest' })),
      abortOnError: false,
    });
    spec.configure?.(app, config, context);
    const { host, port } = spec.http(config);
    await app.listen(port, host);
    const address = (app.getHttpServer() as Server).address() as AddressInfo;
    logger.info(
      { url: `http://${host}:${address.port}`, version },
      `${spec.app} listening on http://${host}:${address.port}`,
    );
  } catch (error) {
    await runHooks();
    return failBoot(spec.app, error, isConfigError(error) ? EXIT_CONFIG : EXIT_FAILURE, logger);
  }

  installSignalHandlers(spec, app, logger, runHooks);
  return app;
}

function installSignalHandlers(
  spec: AppSpec<unknown>,
  app: INestApplication,
  logger: Logger,
  runHooks: () => Promise<void>,
): void {
  const graceMs = (spec.shutdownGraceSeconds ?? 30) * 1000;
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting without waiting');
      process.exit(EXIT_FAILURE);
    }
    stopping = true;
    logger.info({ signal, graceSeconds: graceMs / 1000 }, 'stopping');
    const deadline = setTimeout(() => {
      logger.error({ graceSeconds: graceMs / 1000 }, 'shutdown grace period exceeded; exiting');
      process.exit(EXIT_FAILURE);
    }, graceMs);
    deadline.unref();
    void (async () => {
      await app.close();
      await runHooks();
      logger.info('stopped');
      logger.flush();
      clearTimeout(deadline);
      process.exit(0);
    })().catch((error: unknown) => {
      logger.error({ err: error }, 'shutdown failed');
      process.exit(EXIT_FAILURE);
    });
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

function failBoot(app: string, error: unknown, code: number, logger?: Logger): undefined {
  const message = scrubSecrets(error instanceof Error ? error.message : String(error));
  // The one line an operator reads; structured details (with the stack) go to the log.
  if (logger && !isOperatorError(error)) logger.error({ err: error }, 'start-up failed');
  logger?.flush();
  process.stderr.write(`portico ${app}: ${message}\n`);
  process.exitCode = code;
  setImmediate(() => process.exit(code));
  return undefined;
}

/** Bad configuration, wherever it is found (a refused token is only known after asking). */
function isConfigError(error: unknown): boolean {
  return error instanceof Error && ['ConfigError', 'SettingsError'].includes(error.name);
}

/** Errors whose message already is the whole story (bad config, unreachable database). */
function isOperatorError(error: unknown): boolean {
  return (
    error instanceof Error && ['ConfigError', 'SettingsError', 'DatabaseConnectionError'].includes(error.name)
  );
}
