// Object-store secrets at rest: AES-256-GCM under a key derived (HKDF-SHA-256) from the control
// plane's secret-key (PORTICO_SECRET_KEY). The sealed form names the key it was sealed with, so a
// control plane started with another key says so instead of failing obscurely, and it binds the
// owner's id as associated data, so a sealed value copied onto another row does not open.
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';

/** Key material shorter than this is refused at start-up. */
export const MIN_SECRET_KEY_LENGTH = 32;

const FORMAT = 'v1';
const INFO = 'portico object-store credentials v1';

/** The control plane has no secret-key, so it cannot store a secret (give an env:NAME reference instead). */
export class SecretKeyMissingError extends Error {
  override readonly name = 'SecretKeyMissingError';
  constructor() {
    super(
      'the control plane has no secret-key (PORTICO_SECRET_KEY, at least 32 characters), so it cannot store ' +
        'secrets: configure one, or give secretAccessKeyRef=env:NAME for the nodes to read from their environment',
    );
  }
}

/** A sealed secret does not open with this control plane's key. */
export class SecretUnsealError extends Error {
  override readonly name = 'SecretUnsealError';
}

export class SecretBox {
  private readonly key: Buffer | undefined;
  /** A short fingerprint of the derived key, stored with every sealed value. */
  readonly keyId: string | undefined;

  constructor(secretKey: string | undefined) {
    if (secretKey === undefined || secretKey === '') return;
    if (secretKey.length < MIN_SECRET_KEY_LENGTH)
      throw new RangeError(
        `secret-key is ${secretKey.length} characters; it needs at least ${MIN_SECRET_KEY_LENGTH} ` +
          '(e.g. `openssl rand -base64 32`)',
      );
    this.key = Buffer.from(hkdfSync('sha256', secretKey, 'portico', INFO, 32));
    this.keyId = createHash('sha256').update(this.key).update('key id').digest('hex').slice(0, 12);
  }

  get configured(): boolean {
    return this.key !== undefined;
  }

  /** `v1.<key id>.<iv>.<tag>.<ciphertext>` (base64url); `owner` (e.g. the row id) must be given again to open it. */
  seal(plain: string, owner: string): string {
    if (!this.key || !this.keyId) throw new SecretKeyMissingError();
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(owner, 'utf8'));
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return [FORMAT, this.keyId, iv, cipher.getAuthTag(), body]
      .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
      .join('.');
  }

  open(sealed: string, owner: string): string {
    const [format, keyId, iv, tag, body, ...rest] = sealed.split('.');
    if (format !== FORMAT || !keyId || !iv || !tag || body === undefined || rest.length > 0)
      throw new SecretUnsealError(
        `the stored secret of ${owner} is not in a format this control plane reads`,
      );
    if (!this.key)
      throw new SecretUnsealError(
        `the secret of ${owner} was sealed with secret-key ${keyId}, and this control plane has no ` +
          'secret-key: configure the same PORTICO_SECRET_KEY',
      );
    if (keyId !== this.keyId)
      throw new SecretUnsealError(
        `the secret of ${owner} was sealed with secret-key ${keyId}, but this control plane's key is ` +
          `${this.keyId ?? 'none'}: configure the original key, or enter the secret again`,
      );
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
      decipher.setAAD(Buffer.from(owner, 'utf8'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString(
        'utf8',
      );
    } catch {
      throw new SecretUnsealError(
        `the stored secret of ${owner} fails authentication (altered, or copied from another object store); ` +
          'enter the secret again',
      );
    }
  }
}
