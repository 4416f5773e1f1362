const MASK = '****';
const SECRET_QUERY_PARAM = /pass|secret|token|key/i;

/**
 * A token as it may be shown: at most its first 4 characters and an ellipsis. Short tokens
 * show fewer (a quarter of their length) so that most of a secret is never revealed.
 */
export function maskSecret(value: string): string {
  if (value === '') return '';
  const shown = Math.min(4, Math.floor(value.length / 4));
  return `${value.slice(0, shown)}…`;
}

/**
 * A URL as it may be shown: scheme, user, host, port, path kept; the password and any
 * query parameter that looks like a secret (password, sslpassword, token, key…) become ****.
 * Something that does not parse as a URL is masked entirely.
 */
export function maskUrlPassword(url: string): string {
  // Without "scheme://" a URL parser reads "user:pass@host" as an opaque path: mask it all.
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) return MASK;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return MASK;
  }
  if (parsed.password !== '') parsed.password = MASK;
  for (const name of [...parsed.searchParams.keys()]) {
    if (SECRET_QUERY_PARAM.test(name)) parsed.searchParams.set(name, MASK);
  }
  // URL encodes the mask's asterisks in the query; show them as typed.
  return parsed.toString().replace(/%2A/gi, '*');
}
