import { LOG_LEVELS, type LogBatch } from '@portico/control-plane-client';

type LogLevelName = (typeof LOG_LEVELS)[number];

/** pino's numeric levels, which the node_logs table stores. */
export const PINO_LEVELS: Readonly<Record<LogLevelName, number>> = {
  trace: 10,
  debug: 20,
  info: 30,
  warn: 40,
  error: 50,
  fatal: 60,
};

/** Longest message stored; longer ones are cut, with a marker, so one runaway line cannot bloat the table. */
export const MAX_STORED_MESSAGE = 8192;
/** Largest `fields` object stored, as JSON text; larger ones are replaced by a note. */
export const MAX_STORED_FIELDS = 16_384;

export function levelNumber(level: LogLevelName): number {
  return PINO_LEVELS[level];
}

/** The level name of a stored pino number (numbers between levels round down; below trace is trace). */
export function levelName(level: number): LogLevelName {
  let name: LogLevelName = 'trace';
  for (const candidate of LOG_LEVELS) if (PINO_LEVELS[candidate] <= level) name = candidate;
  return name;
}

export interface StorableLine {
  /** ISO time from the node, or undefined for "now" on the database clock. */
  readonly time: string | undefined;
  readonly level: number;
  readonly message: string;
  readonly fields: Record<string, unknown> | null;
}

export function capMessage(message: string): string {
  if (message.length <= MAX_STORED_MESSAGE) return message;
  const marker = ` …[${message.length - MAX_STORED_MESSAGE} characters cut]`;
  return `${message.slice(0, MAX_STORED_MESSAGE - marker.length)}${marker}`;
}

function capFields(fields: Record<string, unknown> | undefined): Record<string, unknown> | null {
  if (!fields || Object.keys(fields).length === 0) return null;
  const size = JSON.stringify(fields).length;
  return size <= MAX_STORED_FIELDS ? fields : { truncated: `fields of ${size} characters were not stored` };
}

/**
 * The rows to store for one batch: each entry with its pino level and capped size, plus one
 * synthetic warn line when the node's bounded buffer had to drop lines, so that the gap is
 * visible where the logs are read.
 */
export function storableLines(batch: Pick<LogBatch, 'entries' | 'dropped'>): StorableLine[] {
  const lines: StorableLine[] = batch.entries.map((entry) => ({
    time: entry.time,
    level: levelNumber(entry.level),
    message: capMessage(entry.message),
    fields: capFields(entry.fields),
  }));
  if (batch.dropped > 0) {
    lines.push({
      time: undefined,
      level: PINO_LEVELS.warn,
      message: `${batch.dropped} log lines were dropped by the node before shipping (its log buffer was full)`,
      fields: { dropped: batch.dropped },
    });
  }
  return lines;
}
