import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { TokenKind } from '@portico/control-plane-client';

/**
 * Token secrets: a prefix that tells the kind at a glance (in a config file, a leaked paste,
 * a secret scanner) followed by 32 random bytes in base64url. Only the SHA-256 of the secret
 * is stored; the secret is shown once, when it is created.
 */
export const TOKEN_PREFIXES: Readonly<Record<TokenKind, string>> = { admin: 'pa_', node: 'pn_', join: 'pj_' };

/** How many characters of a secret are kept to recognise it (the kind prefix and 5 random characters). */
export const SHOWN_PREFIX_LENGTH = 8;

const SECRET_BYTES = 32;
const TOKEN_SHAPE = /^p[anj]_[A-Za-z0-9_-]{43}$/;

export interface GeneratedToken {
  readonly secret: string;
  readonly hash: Buffer;
  readonly prefix: string;
}

export function generateToken(
  kind: TokenKind,
  random: (size: number) => Buffer = randomBytes,
): GeneratedToken {
  const secret = `${TOKEN_PREFIXES[kind]}${random(SECRET_BYTES).toString('base64url')}`;
  return { secret, hash: hashToken(secret), prefix: secret.slice(0, SHOWN_PREFIX_LENGTH) };
}

export function hashToken(secret: string): Buffer {
  return createHash('sha256').update(secret, 'utf8').digest();
}

/** True when the text has the shape of a token this control plane issues (any kind). */
export function looksLikeIssuedToken(secret: string): boolean {
  return TOKEN_SHAPE.test(secret);
}

/** The token of an `Authorization: Bearer <token>` header, or undefined when there is none. */
export function bearerToken(header: string | readonly string[] | undefined): string | undefined {
  const value: unknown = typeof header === 'string' ? header : header?.[0];
  if (typeof value !== 'string') return undefined;
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(value);
  return match?.[1];
}

/**
 * Compares two secrets in constant time. Hashing first makes the comparison independent of
 * the lengths too, which timingSafeEqual alone would reveal.
 */
export function secretsEqual(given: string, expected: string): boolean {
  return timingSafeEqual(hashToken(given), hashToken(expected));
}
