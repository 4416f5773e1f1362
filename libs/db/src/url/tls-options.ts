// Builds Node TLS options from the libpq `sslmode` vocabulary, explicitly, so that what each mode
// checks is visible here rather than implied by a library default.
//   disable      no TLS (also the default when the URI has no sslmode, as in node-postgres)
//   prefer       TLS without verification; node-postgres cannot fall back to plain text, so a
//                server without TLS is reported with a hint to use sslmode=disable
//   require      TLS without verification, or verify-ca when sslrootcert is given (libpq rule)
//   verify-ca    TLS, the certificate must chain to sslrootcert (or the system CAs)
//   verify-full  verify-ca plus the host name (or IP) must match the certificate
import { readFileSync } from 'node:fs';
import { checkServerIdentity, type ConnectionOptions } from 'node:tls';

import { DatabaseConnectionError } from '../errors/database-connection-error';
import type { DatabaseUrl } from './database-url';

export type ReadFile = (path: string) => Buffer;

function readTlsFile(url: DatabaseUrl, parameter: string, path: string, readFile: ReadFile): Buffer {
  try {
    return readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
    throw new DatabaseConnectionError({
      kind: 'tls-config',
      maskedUrl: url.masked,
      problem: `${parameter} file "${path}" cannot be read (${code})`,
      hint: `check that ${parameter} names a readable PEM file on this machine`,
    });
  }
}

export function buildTlsOptions(
  url: DatabaseUrl,
  readFile: ReadFile = readFileSync,
): false | ConnectionOptions {
  if (url.sslMode === 'disable') return false;

  const options: ConnectionOptions = {};
  if (url.sslCert) options.cert = readTlsFile(url, 'sslcert', url.sslCert, readFile);
  if (url.sslKey) options.key = readTlsFile(url, 'sslkey', url.sslKey, readFile);

  const verifyChain =
    url.sslMode === 'verify-ca' ||
    url.sslMode === 'verify-full' ||
    (url.sslMode === 'require' && !!url.sslRootCert);
  if (!verifyChain) {
    options.rejectUnauthorized = false;
    return options;
  }

  options.rejectUnauthorized = true;
  if (url.sslRootCert) options.ca = readTlsFile(url, 'sslrootcert', url.sslRootCert, readFile);
  options.checkServerIdentity =
    url.sslMode === 'verify-full'
      ? (_servername, cert) => checkServerIdentity(url.host, cert)
      : () => undefined;
  return options;
}
