// One error type for every way reaching the database can fail, so an operator reads one line
// that says what failed, on which (masked) URI, and what to do. It never carries the password:
// the message is built from the masked URI, and the underlying driver error is kept only as
// its code and a redacted message, never as an object that could hold connection settings.

export type DatabaseConnectionErrorKind =
  | 'invalid-url'
  | 'unreachable'
  | 'dns'
  | 'auth'
  | 'database-missing'
  | 'tls-unsupported'
  | 'tls-untrusted'
  | 'tls-hostname'
  | 'tls-config'
  | 'timeout'
  | 'server-unavailable'
  | 'unknown';

export interface DatabaseConnectionErrorDetails {
  kind: DatabaseConnectionErrorKind;
  maskedUrl: string;
  /** What failed, in words, without the URI. */
  problem: string;
  /** What the operator should do. */
  hint: string;
  /** The driver's or server's error code (`28P01`, `ECONNREFUSED`, ...), when there is one. */
  code?: string;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export class DatabaseConnectionError extends Error {
  readonly kind: DatabaseConnectionErrorKind;
  readonly maskedUrl: string;
  readonly hint: string;
  readonly code: string | undefined;

  constructor(details: DatabaseConnectionErrorDetails) {
    super(
      `Cannot connect to ${details.maskedUrl}: ${details.problem}${details.code ? ` [${details.code}]` : ''}. ${capitalize(details.hint)}.`,
    );
    this.name = 'DatabaseConnectionError';
    this.kind = details.kind;
    this.maskedUrl = details.maskedUrl;
    this.hint = details.hint;
    this.code = details.code;
  }
}
