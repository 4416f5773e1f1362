import { skewFromSamples } from '@portico/cluster';
import {
  clockSkewVerdict,
  doctorExitCode,
  poolModeVerdict,
  redactResults,
  renderDoctor,
  tlsVerdict,
  toolVerdict,
  type CheckResult,
} from './doctor-report';

const skewOf = (skewMs: number, roundTripMs = 4) =>
  skewFromSamples([
    { sentAtMs: 10_000, databaseMs: 10_000 + roundTripMs / 2 - skewMs, receivedAtMs: 10_000 + roundTripMs },
  ]);

describe('poolModeVerdict', () => {
  it('passes pgBouncer in transaction mode', () => {
    expect(
      poolModeVerdict({
        kind: 'pgbouncer',
        poolMode: 'transaction',
        version: '1.24.1',
        from: 'global setting',
      }),
    ).toEqual({
      check: 'pool mode',
      status: 'pass',
      summary: 'pgBouncer 1.24.1, pool_mode = transaction (global setting)',
    });
  });

  it('warns about session mode: Portico expects transaction mode for scale', () => {
    const result = poolModeVerdict({ kind: 'pgbouncer', poolMode: 'session', from: 'database portico' });
    expect(result.status).toBe('warn');
    expect(result.summary).toBe(
      'pgBouncer, pool_mode = session (database portico): Portico expects transaction mode for scale',
    );
    expect(result.hint).toMatch(/set pool_mode = transaction/);
  });

  it('fails statement mode, which breaks multi-statement transactions', () => {
    expect(poolModeVerdict({ kind: 'pgbouncer', poolMode: 'statement', from: 'global setting' }).status).toBe(
      'fail',
    );
  });

  it('warns with "unknown" when the admin console is out of reach', () => {
    const result = poolModeVerdict({ kind: 'no-access', reason: 'not allowed' });
    expect(result.status).toBe('warn');
    expect(result.summary).toBe("unknown (no access to pgBouncer's admin console: not allowed)");
    expect(result.hint).toMatch(/stats_users/);
  });

  it('passes a direct PostgreSQL connection and suggests pgBouncer for scale', () => {
    const result = poolModeVerdict({ kind: 'direct' });
    expect(result.status).toBe('pass');
    expect(result.summary).toMatch(/no pgBouncer/);
    expect(result.hint).toMatch(/pool_mode = transaction/);
  });
});

describe('clockSkewVerdict', () => {
  it('passes a skew within 1 s', () => {
    expect(clockSkewVerdict(skewOf(-250))).toEqual({
      check: 'clock skew',
      status: 'pass',
      summary: 'node clock is 250 ms behind the database clock (± 2 ms)',
    });
  });

  it('warns above 1 s, with what to do', () => {
    const result = clockSkewVerdict(skewOf(1500));
    expect(result).toMatchObject({
      status: 'warn',
      summary: 'node clock is 1500 ms ahead of the database clock (± 2 ms) (more than 1000 ms)',
    });
    expect(result.hint).toMatch(/NTP/);
    expect(result.hint).toMatch(/Leader election is not affected/);
  });

  it('is symmetric: far behind warns too', () => {
    expect(clockSkewVerdict(skewOf(-1001)).status).toBe('warn');
  });
});

describe('tlsVerdict', () => {
  it('passes plain connections on this machine and warns about clear text across the network', () => {
    const plain = { sslMode: 'disable', encrypted: false, verifies: 'nothing' as const };
    expect(tlsVerdict({ ...plain, host: '127.0.0.1' })).toMatchObject({
      status: 'pass',
      summary: 'not in use (sslmode=disable; the database is on this machine)',
    });
    expect(tlsVerdict({ ...plain, host: 'db.example' })).toMatchObject({ status: 'warn' });
  });

  it('reports the protocol and what is verified', () => {
    expect(
      tlsVerdict({
        sslMode: 'verify-full',
        host: 'db',
        encrypted: true,
        protocol: 'TLSv1.3',
        verifies: 'host',
      }),
    ).toEqual({
      check: 'database TLS',
      status: 'pass',
      summary: 'in use (TLSv1.3, sslmode=verify-full: server certificate and host name verified)',
    });
    expect(
      tlsVerdict({
        sslMode: 'require',
        host: 'db',
        encrypted: true,
        protocol: 'TLSv1.3',
        verifies: 'nothing',
      }),
    ).toMatchObject({ status: 'pass', hint: expect.stringMatching(/verify-full/) as unknown });
  });

  it('fails when the URI asks for TLS but the socket is plain', () => {
    expect(tlsVerdict({ sslMode: 'require', host: 'db', encrypted: false, verifies: 'nothing' }).status).toBe(
      'fail',
    );
  });
});

describe('toolVerdict', () => {
  it('shows the first line of -version', () => {
    expect(toolVerdict('ffmpeg', { found: true, firstLine: 'ffmpeg version 5.1.6' }, true)).toEqual({
      check: 'ffmpeg',
      status: 'pass',
      summary: 'ffmpeg version 5.1.6',
    });
  });

  it('fails a missing ffmpeg on a transcoding node and names the Debian package', () => {
    const result = toolVerdict(
      'ffprobe',
      { found: false, missing: true, error: 'spawn ffprobe ENOENT' },
      true,
    );
    expect(result).toMatchObject({ status: 'fail', summary: 'not found on PATH' });
    expect(result.hint).toMatch(/Debian package ffmpeg/);
  });

  it('only warns on a node without the TRANSCODE role', () => {
    expect(toolVerdict('ffmpeg', { found: false, missing: true, error: 'ENOENT' }, false).status).toBe(
      'warn',
    );
  });
});

describe('renderDoctor and the exit code', () => {
  const results: CheckResult[] = [
    { check: 'config', status: 'pass', summary: '/etc/portico/config.ini parsed' },
    { check: 'pool mode', status: 'warn', summary: 'unknown', hint: 'grant stats_users' },
    { check: 'ffmpeg', status: 'fail', summary: 'not found on PATH' },
    { check: 'clock skew', status: 'skip', summary: 'not checked: database unreachable' },
  ];

  it('prints one aligned row per check with its mark, hints below, and the totals', () => {
    expect(renderDoctor({ subject: 'node node-1', results })).toBe(
      [
        'portico doctor: node node-1',
        '',
        '  ✓ config      /etc/portico/config.ini parsed',
        '  ! pool mode   unknown',
        '                → grant stats_users',
        '  ✗ ffmpeg      not found on PATH',
        '  - clock skew  not checked: database unreachable',
        '',
        '1 passed, 1 warning, 1 failed, 1 skipped',
      ].join('\n'),
    );
  });

  it('exits 0 with warnings and skipped checks, 1 when any check failed', () => {
    expect(doctorExitCode(results)).toBe(1);
    expect(doctorExitCode(results.filter((result) => result.status !== 'fail'))).toBe(0);
  });

  it('redacts secrets, raw and URI-encoded, from summaries and hints', () => {
    const [redacted] = redactResults(
      [{ check: 'database', status: 'fail', summary: 'p@ss/w and p%40ss%2Fw', hint: 'token tok-123456' }],
      ['p@ss/w', 'tok-123456', undefined],
    );
    expect(redacted).toEqual({
      check: 'database',
      status: 'fail',
      summary: '**** and ****',
      hint: 'token ****',
    });
  });
});
