import type {
  HostInfo,
  LogBatch,
  StorageStats,
  TelemetryAck,
  TelemetryReport,
} from '@portico/control-plane-client';
import type { z } from 'zod';

export type HostInfoRecord = z.infer<typeof HostInfo>;
export type StorageStatsRecord = z.infer<typeof StorageStats>;

/**
 * Port: where telemetry reports go. `ControlPlaneClient` satisfies it as it is, so an app passes
 * its client; tests pass a fake.
 */
export abstract class TelemetrySink {
  abstract sendTelemetry(report: TelemetryReport): Promise<TelemetryAck>;
}

/** Port: where shipped log lines go. `ControlPlaneClient` satisfies it as it is. */
export abstract class LogSink {
  abstract shipLogs(batch: z.input<typeof LogBatch>): Promise<void>;
}

/** Port: this machine and process, for the `host` field of a report (adapter: host-info.adapter.ts). */
export abstract class HostInfoProvider {
  abstract read(): HostInfoRecord;
}

/** Port: capacity and free space of the storage (adapter: storage-stats.adapter.ts). */
export abstract class StorageStatsProvider {
  abstract read(): Promise<StorageStatsRecord>;
}

/** The subset of a pino logger this library uses. */
export interface TelemetryLogger {
  debug?(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}
