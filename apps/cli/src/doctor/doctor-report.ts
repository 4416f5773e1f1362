import { CLOCK_SKEW_WARN_MS, describeClockSkew, type ClockSkew } from '@portico/cluster';

/**
 * `portico doctor`'s results and verdicts, pure: the probes (doctor/*.adapter.ts) gather facts,
 * these functions decide pass / warning / failure and render the table.
 */

export type CheckStatus = 'pass' | 'warn' | 'fail' | 'skip';

export interface CheckResult {
  /** Short name: `config`, `control plane`, `database`, `database TLS`, `pool mode`, … */
  readonly check: string;
  readonly status: CheckStatus;
  /** One line: what was found. */
  readonly summary: string;
  /** What to do about it, when there is something to do. */
  readonly hint?: string;
}

export interface DoctorReport {
  /** Which node was checked, e.g. `node node-1 (7f3c…) from /etc/portico/config.ini`. */
  readonly subject: string;
  readonly results: readonly CheckResult[];
}

export const MARKS: Readonly<Record<CheckStatus, string>> = { pass: '✓', warn: '!', fail: '✗', skip: '-' };

/** 0 when nothing failed (warnings and skipped checks allowed), else 1. */
export function doctorExitCode(results: readonly CheckResult[]): number {
  return results.some((result) => result.status === 'fail') ? 1 : 0;
}

export function renderDoctor(report: DoctorReport): string {
  const width = Math.max(...report.results.map((result) => result.check.length));
  const lines = [`portico doctor: ${report.subject}`, ''];
  for (const result of report.results) {
    lines.push(`  ${MARKS[result.status]} ${result.check.padEnd(width)}  ${result.summary}`);
    if (result.hint) lines.push(`  ${' '.repeat(width + 2)}  → ${result.hint}`);
  }
  const count = (status: CheckStatus) => report.results.filter((result) => result.status === status).length;
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const totals = [
    `${count('pass')} passed`,
    plural(count('warn'), 'warning'),
    `${count('fail')} failed`,
    ...(count('skip') ? [`${count('skip')} skipped`] : []),
  ];
  lines.push('', totals.join(', '));
  return lines.join('\n');
}

/** Replaces every occurrence of the given secrets (raw and URI-encoded) in the results' texts. */
export function redactResults(
  results: readonly CheckResult[],
  secrets: readonly (string | undefined)[],
): CheckResult[] {
  const forms = [...new Set(secrets.filter((s): s is string => !!s && s.length >= 4))].flatMap((s) => [
    s,
    encodeURIComponent(s),
  ]);
  const redact = (text: string) => forms.reduce((out, secret) => out.split(secret).join('****'), text);
  return results.map((result) => ({
    ...result,
    summary: redact(result.summary),
    ...(result.hint ? { hint: redact(result.hint) } : {}),
  }));
}

/** What the pgBouncer probe found out about what sits between this node and PostgreSQL. */
export type PoolerProbe =
  /** pgBouncer's admin console answered; `poolMode` is the mode in force for this database and user. */
  | {
      readonly kind: 'pgbouncer';
      readonly poolMode: string;
      readonly version?: string;
      readonly from: string;
    }
  /** PostgreSQL itself answered the connection to the `pgbouncer` database: no pgBouncer in between. */
  | { readonly kind: 'direct' }
  /** The admin console refused us (or something else answers): the mode is unknown. */
  | { readonly kind: 'no-access'; readonly reason: string };

export const POOL_MODE_CHECK = 'pool mode';

export function poolModeVerdict(probe: PoolerProbe): CheckResult {
  switch (probe.kind) {
    case 'direct':
      return {
        check: POOL_MODE_CHECK,
        status: 'pass',
        summary: 'no pgBouncer: this node connects straight to PostgreSQL',
        hint: 'fine for a small cluster; for many nodes put pgBouncer (pool_mode = transaction) in front',
      };
    case 'no-access':
      return {
        check: POOL_MODE_CHECK,
        status: 'warn',
        summary: `unknown (no access to pgBouncer's admin console: ${probe.reason})`,
        hint: "add this database user to pgBouncer's stats_users to let doctor read it, and make sure pool_mode = transaction",
      };
    case 'pgbouncer': {
      const what = `pgBouncer${probe.version ? ` ${probe.version}` : ''}, pool_mode = ${probe.poolMode} (${probe.from})`;
      switch (probe.poolMode) {
        case 'transaction':
          return { check: POOL_MODE_CHECK, status: 'pass', summary: what };
        case 'session':
          return {
            check: POOL_MODE_CHECK,
            status: 'warn',
            summary: `${what}: Portico expects transaction mode for scale`,
            hint: 'in session mode every node connection holds a PostgreSQL connection for its whole life; set pool_mode = transaction',
          };
        case 'statement':
          return {
            check: POOL_MODE_CHECK,
            status: 'fail',
            summary: `${what}: statement mode breaks the multi-statement transactions Portico runs`,
            hint: 'set pool_mode = transaction',
          };
        default:
          return {
            check: POOL_MODE_CHECK,
            status: 'warn',
            summary: `${what}: not a mode this version of doctor knows`,
            hint: 'Portico expects pool_mode = transaction',
          };
      }
    }
  }
}

export const CLOCK_SKEW_CHECK = 'clock skew';

/** More than 1 s off the database clock is a warning: election is unaffected, timestamps disagree. */
export function clockSkewVerdict(skew: ClockSkew): CheckResult {
  const summary = describeClockSkew(skew);
  if (!skew.warn) return { check: CLOCK_SKEW_CHECK, status: 'pass', summary };
  const [first, ...rest] = summary.split('; ');
  return {
    check: CLOCK_SKEW_CHECK,
    status: 'warn',
    summary: `${first} (more than ${CLOCK_SKEW_WARN_MS} ms)`,
    hint: rest.join('; ').replace(/^above \d+ ms: /, ''),
  };
}

export interface TlsFacts {
  readonly sslMode: string;
  readonly host: string;
  /** The connection's socket is a TLS socket. */
  readonly encrypted: boolean;
  /** `TLSv1.3`, when encrypted. */
  readonly protocol?: string;
  /** What the URI asks to verify: the host name too, the chain only, or nothing. */
  readonly verifies: 'host' | 'chain' | 'nothing';
}

export const TLS_CHECK = 'database TLS';

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host.startsWith('127.') || host === '::1' || host.startsWith('/');
}

export function tlsVerdict(facts: TlsFacts): CheckResult {
  const mode = `sslmode=${facts.sslMode}`;
  if (facts.encrypted) {
    const verified =
      facts.verifies === 'host'
        ? 'server certificate and host name verified'
        : facts.verifies === 'chain'
          ? 'server certificate verified, host name not'
          : 'server certificate not verified';
    return {
      check: TLS_CHECK,
      status: 'pass',
      summary: `in use (${facts.protocol ?? 'TLS'}, ${mode}: ${verified})`,
      ...(facts.verifies === 'host'
        ? {}
        : { hint: 'sslmode=verify-full with sslrootcert also proves the server is the right one' }),
    };
  }
  if (facts.sslMode !== 'disable') {
    return {
      check: TLS_CHECK,
      status: 'fail',
      summary: `not in use although the URI asks for it (${mode})`,
      hint: 'check the server or pooler TLS settings',
    };
  }
  if (isLoopback(facts.host)) {
    return {
      check: TLS_CHECK,
      status: 'pass',
      summary: `not in use (${mode}; the database is on this machine)`,
    };
  }
  return {
    check: TLS_CHECK,
    status: 'warn',
    summary: `not in use (${mode}): the password and data cross the network in clear text`,
    hint: 'enable TLS on the server or pooler and add sslmode=verify-full (or require) to the URI',
  };
}

export type ToolProbe =
  | { readonly found: true; readonly firstLine: string }
  | { readonly found: false; readonly missing: boolean; readonly error: string };

/** ffmpeg and ffprobe: a failure on a node that transcodes, a warning on one that does not. */
export function toolVerdict(tool: 'ffmpeg' | 'ffprobe', probe: ToolProbe, transcodes: boolean): CheckResult {
  if (probe.found) return { check: tool, status: 'pass', summary: probe.firstLine };
  const needed = transcodes ? '' : ' (only nodes with the TRANSCODE role need it)';
  return {
    check: tool,
    status: transcodes ? 'fail' : 'warn',
    summary: probe.missing
      ? `not found on PATH${needed}`
      : `${tool} -version failed: ${probe.error}${needed}`,
    hint: probe.missing
      ? 'install the Debian package ffmpeg (apt-get install -y ffmpeg), which provides ffmpeg and ffprobe'
      : 'reinstall the Debian package ffmpeg',
  };
}

/** A check that could not run because an earlier one failed. */
export function skipped(check: string, because: string): CheckResult {
  return { check, status: 'skip', summary: `not checked: ${because}` };
}
