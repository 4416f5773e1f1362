import {
  bearerToken,
  generateToken,
  hashToken,
  looksLikeIssuedToken,
  secretsEqual,
  TOKEN_PREFIXES,
} from './token-format';

describe('token format', () => {
  it('prefixes the secret by kind and keeps 32 random bytes in base64url', () => {
    for (const kind of ['admin', 'node', 'join'] as const) {
      const token = generateToken(kind);
      expect(token.secret.startsWith(TOKEN_PREFIXES[kind])).toBe(true);
      expect(Buffer.from(token.secret.slice(3), 'base64url')).toHaveLength(32);
      expect(looksLikeIssuedToken(token.secret)).toBe(true);
      expect(token.prefix).toBe(token.secret.slice(0, 8));
    }
  });

  it('stores the SHA-256 of the secret, never the secret', () => {
    const token = generateToken('node', () => Buffer.alloc(32, 7));
    expect(token.secret).toBe(`pn_${Buffer.alloc(32, 7).toString('base64url')}`);
    expect(token.hash).toEqual(hashToken(token.secret));
    expect(token.hash.toString('hex')).toHaveLength(64);
    expect(token.hash.toString('utf8')).not.toContain(token.secret);
  });

  it('gives distinct secrets', () => {
    const secrets = new Set(Array.from({ length: 100 }, () => generateToken('join').secret));
    expect(secrets.size).toBe(100);
  });

  it('reads only well-formed bearer headers', () => {
    expect(bearerToken('Bearer pa_abc')).toBe('pa_abc');
    expect(bearerToken('bearer  pa_abc ')).toBe('pa_abc');
    expect(bearerToken(['Bearer first', 'Bearer second'])).toBe('first');
    expect(bearerToken(undefined)).toBeUndefined();
    expect(bearerToken('Basic abc')).toBeUndefined();
    expect(bearerToken('Bearer')).toBeUndefined();
    expect(bearerToken('Bearer a b')).toBeUndefined();
  });

  it('compares secrets of any length without throwing', () => {
    expect(secretsEqual('same-secret', 'same-secret')).toBe(true);
    expect(secretsEqual('same-secret', 'same-secreT')).toBe(false);
    expect(secretsEqual('short', 'a-much-longer-secret')).toBe(false);
  });

  it('recognises foreign text as not one of ours', () => {
    expect(looksLikeIssuedToken('pa_short')).toBe(false);
    expect(looksLikeIssuedToken(`px_${'a'.repeat(43)}`)).toBe(false);
  });
});
