import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { type LeaderElector, StaleTermError } from '@portico/cluster';
import { LOGGER, MetricsRegistry, NODE_RUNTIME, type Logger, type NodeRuntime } from '@portico/platform';
import { transcodeProfilesFor } from '@portico/role-checksum';
import { ScanService } from '../scan-loop/scan.service';
import { DISPATCH_ACTION, EventDispatcher } from './event-dispatcher';
import { EventMetrics } from './event-metrics';
import { StorageFiles } from './storage-files';

/** How often the leader looks for new events when idle (a full batch is followed at once). */
export const EVENT_POLL_MS = 1_000;
/** Longest wait between rounds while the database keeps failing. */
const MAX_BACKOFF_MS = 10_000;

/**
 * The leader's event loop (SPEC 2.5): while this node leads, it turns queued control-plane events
 * into jobs about every second — at once while a backlog remains — and records on each event how
 * its jobs ended. Every write is fenced by the term it was elected with; a refused write means
 * another node leads now, and the loop stops until this node is elected again.
 */
@Injectable()
export class EventsService implements OnModuleInit, OnApplicationShutdown {
  private readonly dispatcher: EventDispatcher;
  private readonly logger: Logger;
  private controller: AbortController | undefined;
  private running: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;
  private woken = false;

  constructor(
    @Inject(NODE_RUNTIME) private readonly runtime: NodeRuntime,
    @Inject(LOGGER) logger: Logger,
    metrics: MetricsRegistry,
    scans: ScanService,
    files: StorageFiles,
  ) {
    this.logger = logger.child({ component: 'events' });
    this.dispatcher = new EventDispatcher({
      pool: runtime.pool,
      producer: runtime.jobs.producer,
      files,
      transcode: () => ({
        profiles: Object.keys(runtime.settings.current.values.transcode_profiles),
        profilesFor: (kind, size) => transcodeProfilesFor({ kind, size, duplicate: false }),
      }),
      requestRescan: () => scans.requestRescan(),
      logger: this.logger,
      observer: new EventMetrics(metrics.registry),
    });
  }

  onModuleInit(): void {
    const elector = this.runtime.election?.elector;
    if (!elector) return;
    elector.onElected((term) => this.start(elector, term));
    elector.onDemoted(() => this.stop());
  }

  async onApplicationShutdown(): Promise<void> {
    this.stop();
    await this.running;
  }

  /** Looks for events now instead of at the next poll (e.g. right after one was created here). */
  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  private start(elector: LeaderElector, term: number): void {
    this.stop();
    const controller = new AbortController();
    this.controller = controller;
    this.logger.info({ term }, 'leader event dispatch started');
    this.running = this.loop(elector, controller.signal).finally(() => {
      if (this.controller === controller) this.controller = undefined;
    });
  }

  private stop(): void {
    this.controller?.abort(new Error('leadership ended'));
    this.controller = undefined;
    this.wakeUp?.();
  }

  private async loop(elector: LeaderElector, signal: AbortSignal): Promise<void> {
    let failures = 0;
    while (!signal.aborted) {
      const fence = elector.fenceContext(DISPATCH_ACTION);
      // Not leading any more: the demotion has stopped (or is stopping) this loop.
      if (!fence) return;
      let more = false;
      try {
        more = (await this.dispatcher.runRound(fence)).more;
        if (failures > 0) this.logger.info({ failures }, 'event dispatch works again');
        failures = 0;
      } catch (error) {
        if (error instanceof StaleTermError) {
          this.logger.warn(
            { term: fence.term, reason: error.reason },
            'event dispatch refused: this node no longer holds the term',
          );
          return;
        }
        if (signal.aborted) return;
        failures += 1;
        // One line per outage (and a reminder now and then), not one per round.
        if (failures === 1 || failures % 30 === 0)
          this.logger.error(
            { err: error, term: fence.term, failures },
            'event dispatch round failed; retrying',
          );
      }
      if (!more)
        await this.idle(
          failures === 0 ? EVENT_POLL_MS : Math.min(EVENT_POLL_MS * 2 ** failures, MAX_BACKOFF_MS),
          signal,
        );
    }
  }

  private idle(ms: number, signal: AbortSignal): Promise<void> {
    if (this.woken || signal.aborted) {
      this.woken = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        this.wakeUp = undefined;
        this.woken = false;
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
      this.wakeUp = done;
    });
  }
}
