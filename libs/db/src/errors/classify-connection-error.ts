// Maps what node-postgres, Node's net/tls layers, PostgreSQL and pgBouncer report when a
// connection fails onto DatabaseConnectionError kinds. pgBouncer answers some failures with its
// own wording and the generic 08P01 code, so messages are matched as well as codes.
import { DatabaseConnectionError, type DatabaseConnectionErrorKind } from './database-connection-error';
import { redactSecret } from '../url/mask-database-url';

interface Classification {
  kind: DatabaseConnectionErrorKind;
  problem: string;
  hint: string;
}

interface ErrorLike {
  message: string;
  code: string | undefined;
}

const TLS_UNTRUSTED_CODES = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_SIGNATURE_FAILURE',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
]);

function toErrorLike(error: unknown): ErrorLike {
  if (error instanceof Error || (typeof error === 'object' && error !== null && 'message' in error)) {
    const record = error as { message?: unknown; code?: unknown };
    return {
      message: typeof record.message === 'string' ? record.message : String(record.message),
      code: typeof record.code === 'string' ? record.code : undefined,
    };
  }
  return { message: String(error), code: undefined };
}

function classify({ message, code }: ErrorLike, database: string): Classification {
  const text = message.toLowerCase();
  if (
    code === '28P01' ||
    code === '28000' ||
    text.includes('password authentication failed') ||
    text.includes('sasl authentication failed') ||
    text.includes('auth failed')
  ) {
    return {
      kind: 'auth',
      problem: 'authentication failed (wrong user or password)',
      hint: 'check the user and password in the URI against the server (and pgBouncer auth_file)',
    };
  }
  if (code === '3D000' || /database "[^"]*" does not exist/.test(text) || text.includes('no such database')) {
    return {
      kind: 'database-missing',
      problem: `database "${database}" does not exist`,
      hint: 'create the database, or fix the database name in the URI',
    };
  }
  if (text.includes('does not support ssl')) {
    return {
      kind: 'tls-unsupported',
      problem: 'the server does not accept TLS connections',
      hint: 'enable TLS on the server (or pgBouncer client_tls_*), or set sslmode=disable',
    };
  }
  if (
    code === 'ERR_TLS_CERT_ALTNAME_INVALID' ||
    text.includes("hostname/ip does not match certificate's altnames")
  ) {
    return {
      kind: 'tls-hostname',
      problem: 'the server certificate does not name this host',
      hint: 'connect with a host name the certificate lists, reissue the certificate with this host in its subjectAltName, or use sslmode=verify-ca',
    };
  }
  if (
    (code && TLS_UNTRUSTED_CODES.has(code)) ||
    text.includes('self-signed certificate') ||
    text.includes('unable to verify')
  ) {
    return {
      kind: 'tls-untrusted',
      problem: 'the server certificate is not trusted',
      hint: 'set sslrootcert to the CA that signed the server certificate',
    };
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NONAME') {
    return {
      kind: 'dns',
      problem: 'the host name does not resolve',
      hint: "check the host in the URI and this machine's DNS",
    };
  }
  if (
    code === 'ECONNREFUSED' ||
    code === 'EHOSTUNREACH' ||
    code === 'ENETUNREACH' ||
    code === 'ECONNRESET' ||
    code === 'EPIPE'
  ) {
    return {
      kind: 'unreachable',
      problem: `the server is unreachable (${code === 'ECONNREFUSED' ? 'connection refused' : 'network error'})`,
      hint: 'check that PostgreSQL/pgBouncer runs and listens on that host and port, and that no firewall blocks it',
    };
  }
  if (code === 'ETIMEDOUT' || text.includes('timeout')) {
    return {
      kind: 'timeout',
      problem: 'the connection timed out',
      hint: 'check the host and port, firewalls, and whether the server or pgBouncer is overloaded',
    };
  }
  if (
    code === '57P03' ||
    code === '53300' ||
    code === '57P01' ||
    text.includes('pgbouncer cannot connect to server') ||
    text.includes('server login has been failing') ||
    text.includes('connection terminated unexpectedly')
  ) {
    return {
      kind: 'server-unavailable',
      problem: 'the server accepted the connection but cannot serve it now',
      hint: 'check that PostgreSQL behind pgBouncer is up and has free connections',
    };
  }
  return {
    kind: 'unknown',
    problem: 'the connection failed',
    hint: "see the error code; check the URI, the server log and pgBouncer's log",
  };
}

/**
 * Wraps any connection failure in a DatabaseConnectionError. The driver message is included
 * (redacted) only for unclassified errors, where it is the operator's only clue.
 */
export function toDatabaseConnectionError(
  error: unknown,
  target: { masked: string; database: string; password?: string | undefined },
): DatabaseConnectionError {
  if (error instanceof DatabaseConnectionError) return error;
  const like = toErrorLike(error);
  const found = classify(like, target.database);
  const problem =
    found.kind === 'unknown'
      ? `${found.problem}: ${redactSecret(like.message, target.password)}`
      : found.problem;
  return new DatabaseConnectionError({
    kind: found.kind,
    maskedUrl: target.masked,
    problem,
    hint: found.hint,
    code: like.code,
  });
}
