// Secrets must never reach a log line or an error message, so every place that names a database
// URL names it through this function. It works on the text, not on a parsed URL, so that even a
// URL too broken to parse (an unencoded `/` or `@` in the password) is masked: everything between
// the first `:` of the user info and the LAST `@` before the query string is the password.

const MASK = '****';

/** `postgres://user:secret@host:5432/db?password=x` → `postgres://user:****@host:5432/db?password=****`. */
export function maskDatabaseUrl(url: string): string {
  const masked = url.replace(/([?&](?:password|sslpassword)=)[^&#]*/gi, `$1${MASK}`);
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(masked)?.[0] ?? '';
  const rest = masked.slice(scheme.length);
  const beforeQuery = rest.split(/[?#]/)[0] ?? '';
  const at = beforeQuery.lastIndexOf('@');
  if (at === -1) return masked;
  const userInfo = rest.slice(0, at);
  const colon = userInfo.indexOf(':');
  if (colon === -1) return masked;
  return `${scheme}${userInfo.slice(0, colon)}:${MASK}${rest.slice(at)}`;
}

/** Removes every occurrence of `secret` (raw and URI-encoded) from `text`. */
export function redactSecret(text: string, secret: string | undefined): string {
  if (!secret) return text;
  let result = text;
  for (const form of new Set([secret, encodeURIComponent(secret)])) {
    result = result.split(form).join(MASK);
  }
  return result;
}
