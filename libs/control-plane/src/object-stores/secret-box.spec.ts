import { SecretBox, SecretKeyMissingError, SecretUnsealError } from './secret-box';

const KEY = 'k'.repeat(32);

describe('SecretBox', () => {
  it('seals and opens a secret for the same owner; every sealing differs', () => {
    const box = new SecretBox(KEY);
    const a = box.seal('wJalrXUtnFEMI/K7MDENG', 'store-1');
    const b = box.seal('wJalrXUtnFEMI/K7MDENG', 'store-1');
    expect(a).not.toBe(b);
    expect(a).not.toContain('wJalr');
    expect(a.startsWith(`v1.${box.keyId}.`)).toBe(true);
    expect(box.open(a, 'store-1')).toBe('wJalrXUtnFEMI/K7MDENG');
  });

  it('refuses another owner, a tampered value and another key, saying which', () => {
    const box = new SecretBox(KEY);
    const sealed = box.seal('s3cret', 'store-1');
    expect(() => box.open(sealed, 'store-2')).toThrow(/fails authentication/);
    const parts = sealed.split('.');
    parts[4] = Buffer.from('other').toString('base64url');
    expect(() => box.open(parts.join('.'), 'store-1')).toThrow(SecretUnsealError);
    const other = new SecretBox('o'.repeat(40));
    expect(() => other.open(sealed, 'store-1')).toThrow(`sealed with secret-key ${box.keyId}`);
    expect(() => new SecretBox(undefined).open(sealed, 'store-1')).toThrow(/has no secret-key/);
    expect(() => box.open('garbage', 'store-1')).toThrow(/not in a format/);
  });

  it('needs a key of at least 32 characters to seal', () => {
    expect(() => new SecretBox('short')).toThrow(/at least 32/);
    const none = new SecretBox(undefined);
    expect(none.configured).toBe(false);
    expect(() => none.seal('x', 'store')).toThrow(SecretKeyMissingError);
  });
});
