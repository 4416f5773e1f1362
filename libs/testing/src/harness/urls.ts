// Connection URLs for the harness services, built in one place so every test spells them alike.
import type { HarnessState } from './state';

export interface PgUrlOptions {
  /** Default: the harness superuser's password. Pass another to test authentication failures. */
  password?: string;
  user?: string;
  /** Default 127.0.0.1; `localhost` is also in pgBouncer's certificate. */
  host?: string;
  sslmode?: 'disable' | 'prefer' | 'require' | 'verify-ca' | 'verify-full';
  sslrootcert?: string;
  applicationName?: string;
}

function pgUrl(port: number, database: string, state: HarnessState, options: PgUrlOptions): string {
  const user = encodeURIComponent(options.user ?? state.postgres.user);
  const password = encodeURIComponent(options.password ?? state.postgres.password);
  const params = new URLSearchParams();
  if (options.sslmode) params.set('sslmode', options.sslmode);
  if (options.sslrootcert) params.set('sslrootcert', options.sslrootcert);
  if (options.applicationName) params.set('application_name', options.applicationName);
  const query = params.size > 0 ? `?${params.toString()}` : '';
  return `postgres://${user}:${password}@${options.host ?? state.postgres.host}:${port}/${encodeURIComponent(database)}${query}`;
}

/** Straight to PostgreSQL: for admin work (CREATE/DROP DATABASE), never for code under test. */
export function postgresUrl(state: HarnessState, database = 'postgres', options: PgUrlOptions = {}): string {
  return pgUrl(state.postgres.port, database, state, options);
}

/** Through pgBouncer (transaction mode), as the product connects. */
export function pgbouncerUrl(state: HarnessState, database: string, options: PgUrlOptions = {}): string {
  return pgUrl(state.pgbouncer.port, database, state, options);
}

export function redisUrl(state: HarnessState): string {
  return `redis://127.0.0.1:${state.redis.port}`;
}

export function s3Endpoint(state: HarnessState): string {
  return `http://127.0.0.1:${state.s3.port}`;
}
