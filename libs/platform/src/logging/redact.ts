// Secrets must never reach a log line, telemetry or an error message. Structured fields are
// redacted by key (pino `redact`); free text is scrubbed for the shapes secrets take in it.

/** Object keys whose values are secrets wherever they appear in a log object. */
export const SECRET_KEYS = [
  'password',
  'pass',
  'secret',
  'token',
  'authToken',
  'auth-token',
  'adminToken',
  'joinToken',
  'join-token',
  'authorization',
  'cookie',
  'databaseUrl',
  'database-url',
  'db_connection_uri',
  'redisUrl',
  'secretAccessKey',
] as const;

/** pino redact paths: each secret key at the top level and up to two objects deep. */
export function redactPaths(): string[] {
  const paths: string[] = [];
  for (const key of SECRET_KEYS) {
    const segment = /^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `["${key}"]`;
    paths.push(segment.replace(/^\./, ''), `*${segment}`, `*.*${segment}`);
  }
  paths.push('req.headers.authorization', 'req.headers.cookie');
  return paths;
}

const URL_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/[^:/?#\s@]*:)([^@\s/]+)@/gi;
const BEARER = /\b(Bearer\s+)[A-Za-z0-9._~+/=-]+/gi;
const QUERY_SECRET = /([?&](?:password|token|secret|sslpassword)=)[^&\s]+/gi;

/** Masks credentials embedded in free text: URL passwords, bearer tokens, secret query params. */
export function scrubSecrets(text: string): string {
  return text.replace(URL_PASSWORD, '$1****@').replace(BEARER, '$1****').replace(QUERY_SECRET, '$1****');
}
