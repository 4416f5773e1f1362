import { Inject, Injectable } from '@nestjs/common';
import type { StoredLogEntry } from '@portico/control-plane-client';
import { Pool } from 'pg';
import { CP_DB } from '../injection';
import { type StorableLine, levelName } from './log-lines';

interface LogRow {
  id: string;
  node_id: string;
  worker_id: string;
  time: Date;
  level: number;
  message: string;
  fields: Record<string, unknown> | null;
}

export interface LogPage {
  readonly items: StoredLogEntry[];
  readonly nextCursor: string | null;
}

// PostgreSQL text and jsonb cannot hold NUL characters; a node's log line may.
function withoutNul(text: string): string {
  return text.replaceAll('\u0000', '\uFFFD');
}

function jsonWithoutNul(value: unknown): string {
  return JSON.stringify(value).replace(/\\u0000/g, '\\uFFFD');
}

/** All SQL of shipped logs: one multi-row insert per batch, and cursor-paged reads, newest first. */
@Injectable()
export class LogsRepository {
  constructor(@Inject(CP_DB) private readonly pool: Pool) {}

  /** Stores a batch in one statement; lines without a time get the database's now(). */
  async insert(
    clusterId: string,
    nodeId: string,
    workerId: string,
    lines: readonly StorableLine[],
  ): Promise<number> {
    if (lines.length === 0) return 0;
    const { rowCount } = await this.pool.query(
      `INSERT INTO portico.node_logs (cluster_id, node_id, worker_id, time, level, message, fields)
       SELECT $1, $2, $3, COALESCE(line.time, now()), line.level, line.message, line.fields
         FROM unnest($4::timestamptz[], $5::smallint[], $6::text[], $7::jsonb[])
              WITH ORDINALITY AS line(time, level, message, fields, n)
        ORDER BY line.n`,
      [
        clusterId,
        nodeId,
        workerId,
        lines.map((line) => line.time ?? null),
        lines.map((line) => line.level),
        lines.map((line) => withoutNul(line.message)),
        lines.map((line) => (line.fields ? jsonWithoutNul(line.fields) : null)),
      ],
    );
    return rowCount ?? 0;
  }

  async nodeExists(nodeId: string): Promise<boolean> {
    const { rows } = await this.pool.query('SELECT 1 FROM portico.nodes WHERE id = $1', [nodeId]);
    return rows.length > 0;
  }

  /** A page of a node's lines at or above `minLevel`, newest first; the cursor is the last id returned. */
  async page(nodeId: string, minLevel: number, before: string | undefined, limit: number): Promise<LogPage> {
    const { rows } = await this.pool.query<LogRow>(
      `SELECT id::text AS id, node_id, worker_id, time, level, message, fields
         FROM portico.node_logs
        WHERE node_id = $1 AND level >= $2 AND ($3::bigint IS NULL OR id < $3::bigint)
        ORDER BY id DESC
        LIMIT $4`,
      [nodeId, minLevel, before ?? null, limit + 1],
    );
    const items = rows.slice(0, limit).map((row): StoredLogEntry => ({
      id: row.id,
      nodeId: row.node_id,
      workerId: row.worker_id,
      time: row.time.toISOString(),
      level: levelName(row.level),
      message: row.message,
      ...(row.fields ? { fields: row.fields } : {}),
    }));
    return { items, nextCursor: rows.length > limit ? (items[items.length - 1]?.id ?? null) : null };
  }
}
