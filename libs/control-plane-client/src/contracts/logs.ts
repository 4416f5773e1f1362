import { z } from 'zod';
import { Id, IsoTime } from './common';

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;
export const LogLevelName = z.enum(LOG_LEVELS);

export const LogEntry = z.object({
  time: IsoTime,
  level: LogLevelName,
  message: z.string().max(16_384),
  /** The structured fields of the line (already redacted by the node). */
  fields: z.record(z.string(), z.unknown()).optional(),
});
export type LogEntry = z.infer<typeof LogEntry>;

/** POST /logs: a batch shipped by a node. `dropped` counts lines its bounded buffer discarded. */
export const LogBatch = z
  .object({
    workerId: Id,
    entries: z.array(LogEntry).max(1000),
    dropped: z.number().int().nonnegative().default(0),
  })
  .strict();
export type LogBatch = z.infer<typeof LogBatch>;

export const StoredLogEntry = LogEntry.extend({ id: z.string(), nodeId: Id, workerId: Id });
export type StoredLogEntry = z.infer<typeof StoredLogEntry>;

/** GET /nodes/:id/logs?level=error&cursor=…&limit=… (level = minimum level). */
export const LogQuery = z.object({
  level: LogLevelName.optional(),
  cursor: z.string().optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});
export type LogQuery = z.infer<typeof LogQuery>;
