import type { PeerCertificate } from 'node:tls';

import { DatabaseConnectionError } from '../errors/database-connection-error';
import { parseDatabaseUrl } from './database-url';
import { buildTlsOptions } from './tls-options';

const files: Record<string, string> = { '/ca.pem': 'CA', '/client.crt': 'CERT', '/client.key': 'KEY' };
const readFile = (path: string): Buffer => {
  const content = files[path];
  if (content === undefined) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
  return Buffer.from(content);
};
const tls = (query: string) =>
  buildTlsOptions(parseDatabaseUrl(`postgres://u:p@db.example:5432/d${query}`), readFile);

function certFor(name: string): PeerCertificate {
  return { subject: { CN: name }, subjectaltname: `DNS:${name}` } as unknown as PeerCertificate;
}

describe('buildTlsOptions', () => {
  it('disables TLS without sslmode and with sslmode=disable', () => {
    expect(tls('')).toBe(false);
    expect(tls('?sslmode=disable')).toBe(false);
  });

  it('encrypts without verification for prefer and require', () => {
    expect(tls('?sslmode=prefer')).toEqual({ rejectUnauthorized: false });
    expect(tls('?sslmode=require')).toEqual({ rejectUnauthorized: false });
  });

  it('verifies the chain for require with a root certificate (libpq rule) and verify-ca, not the host', () => {
    for (const query of ['?sslmode=require&sslrootcert=/ca.pem', '?sslmode=verify-ca&sslrootcert=/ca.pem']) {
      const options = tls(query);
      expect(options).toMatchObject({ rejectUnauthorized: true, ca: Buffer.from('CA') });
      expect(
        options && options.checkServerIdentity?.('db.example', certFor('other.example')),
      ).toBeUndefined();
    }
  });

  it('verify-full checks the URI host name against the certificate', () => {
    const options = tls('?sslmode=verify-full&sslrootcert=/ca.pem');
    expect(options).toMatchObject({ rejectUnauthorized: true, ca: Buffer.from('CA') });
    expect(options && options.checkServerIdentity?.('ignored', certFor('db.example'))).toBeUndefined();
    expect(options && options.checkServerIdentity?.('ignored', certFor('other.example'))).toMatchObject({
      code: 'ERR_TLS_CERT_ALTNAME_INVALID',
    });
  });

  it('verify-full without sslrootcert trusts the system CAs', () => {
    const options = tls('?sslmode=verify-full');
    expect(options).toMatchObject({ rejectUnauthorized: true });
    expect(options && options.ca).toBeUndefined();
  });

  it('loads a client certificate and key', () => {
    expect(tls('?sslmode=require&sslcert=/client.crt&sslkey=/client.key')).toMatchObject({
      cert: Buffer.from('CERT'),
      key: Buffer.from('KEY'),
    });
  });

  it('names an unreadable root certificate clearly', () => {
    expect(() => tls('?sslmode=verify-full&sslrootcert=/missing.pem')).toThrow(DatabaseConnectionError);
    expect(() => tls('?sslmode=verify-full&sslrootcert=/missing.pem')).toThrow(
      /sslrootcert file "\/missing.pem" cannot be read \(ENOENT\)/,
    );
  });
});
