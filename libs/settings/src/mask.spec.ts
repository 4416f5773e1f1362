import { maskSecret, maskUrlPassword } from './mask';

describe('maskSecret', () => {
  it('shows at most the first 4 characters and an ellipsis', () => {
    expect(maskSecret('abcdefghijklmnopqrstuvwxyz')).toBe('abcd…');
    expect(maskSecret('abcdefghijklmnop')).toBe('abcd…');
  });

  it('shows less of a short secret (a quarter of it at most)', () => {
    expect(maskSecret('abcdefgh')).toBe('ab…');
    expect(maskSecret('abc')).toBe('…');
    expect(maskSecret('')).toBe('');
  });
});

describe('maskUrlPassword', () => {
  it('keeps scheme, user, host, port and database and masks the password', () => {
    expect(maskUrlPassword('postgres://portico:s3cret@db.example:6432/portico')).toBe(
      'postgres://portico:****@db.example:6432/portico',
    );
    expect(maskUrlPassword('rediss://:hunter22@cache:6380/0')).toBe('rediss://:****@cache:6380/0');
  });

  it('leaves a URL without a password as it is', () => {
    expect(maskUrlPassword('postgresql://portico@db:5432/portico')).toBe(
      'postgresql://portico@db:5432/portico',
    );
  });

  it('masks secret-looking query parameters', () => {
    const masked = maskUrlPassword('postgres://db:5432/p?sslmode=require&password=topsecret&sslpassword=x1');
    expect(masked).not.toContain('topsecret');
    expect(masked).not.toContain('x1');
    expect(masked).toContain('sslmode=require');
    expect(masked).toContain('password=****');
  });

  it('masks everything when the text is not a URL', () => {
    expect(maskUrlPassword('user:pass word@host')).toBe('****');
  });
});
