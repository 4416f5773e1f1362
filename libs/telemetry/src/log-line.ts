import { LOG_LEVELS, type LogEntry } from '@portico/control-plane-client';

export type LogLevel = (typeof LOG_LEVELS)[number];

/** pino's numeric levels, for lines written without the label formatter. */
const NUMERIC_LEVELS: Record<number, LogLevel> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warn',
  50: 'error',
  60: 'fatal',
};
const MAX_MESSAGE = 16_384;
const MAX_DEPTH = 8;

export function levelRank(level: LogLevel): number {
  return LOG_LEVELS.indexOf(level);
}

/**
 * Turns one serialized pino line into a log entry of the contract: `level`, `time` and `msg`
 * become the entry's own fields, everything else goes to `fields`. A line that is not a JSON
 * object (a stray write) is kept as an info message rather than lost. `scrub` is applied to the
 * message and to every string field value.
 */
export function parseLogLine(
  line: string,
  now: Date,
  scrub: (text: string) => string = (text) => text,
): LogEntry {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    parsed = undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return { time: now.toISOString(), level: 'info', message: truncate(scrub(line.trim())) };
  }
  const { level, time, msg, ...rest } = parsed as Record<string, unknown>;
  const fields = scrubValue(rest, scrub, 0) as Record<string, unknown>;
  return {
    time: toIsoTime(time) ?? now.toISOString(),
    level: toLevel(level),
    message: truncate(scrub(typeof msg === 'string' ? msg : msg === undefined ? '' : JSON.stringify(msg))),
    ...(Object.keys(fields).length > 0 ? { fields } : {}),
  };
}

function toLevel(level: unknown): LogLevel {
  if (typeof level === 'string' && (LOG_LEVELS as readonly string[]).includes(level))
    return level as LogLevel;
  if (typeof level === 'number') return NUMERIC_LEVELS[level] ?? (level >= 60 ? 'fatal' : 'info');
  return 'info';
}

function toIsoTime(time: unknown): string | undefined {
  if (typeof time !== 'string' && typeof time !== 'number') return undefined;
  const date = new Date(time);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

function truncate(text: string): string {
  return text.length <= MAX_MESSAGE ? text : `${text.slice(0, MAX_MESSAGE - 1)}…`;
}

function scrubValue(value: unknown, scrub: (text: string) => string, depth: number): unknown {
  if (typeof value === 'string') return scrub(value);
  if (typeof value !== 'object' || value === null) return value;
  if (depth >= MAX_DEPTH) return '[nested too deep]';
  if (Array.isArray(value)) return value.map((item) => scrubValue(item, scrub, depth + 1));
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).map(([key, item]) => [
      key,
      scrubValue(item, scrub, depth + 1),
    ]),
  );
}
