// A throw-away PKI for TLS tests: a CA that signs pgBouncer's server certificate (SAN IP:127.0.0.1
// and DNS:localhost), and a second, unrelated CA so tests can prove an untrusted chain is refused.
// EC P-256 keys keep generation to a few milliseconds.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { runCommand } from './run-command';

export interface Certificates {
  caCertFile: string;
  wrongCaCertFile: string;
  serverCertFile: string;
  serverKeyFile: string;
}

const DAYS = '30';
const KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

export async function createCertificates(openssl: string, dir: string): Promise<Certificates> {
  const file = (name: string): string => join(dir, name);
  const selfSignedCa = (name: string, subject: string): Promise<string> =>
    runCommand({
      command: openssl,
      args: [
        'req',
        '-x509',
        ...KEY,
        '-keyout',
        file(`${name}.key`),
        '-out',
        file(`${name}.crt`),
        '-days',
        DAYS,
        '-subj',
        subject,
        '-addext',
        'basicConstraints=critical,CA:TRUE',
        '-addext',
        'keyUsage=critical,keyCertSign,cRLSign',
      ],
    });

  await Promise.all([
    selfSignedCa('ca', '/CN=Portico Test CA'),
    selfSignedCa('wrong-ca', '/CN=Unrelated Test CA'),
    runCommand({
      command: openssl,
      args: [
        'req',
        ...KEY,
        '-keyout',
        file('server.key'),
        '-out',
        file('server.csr'),
        '-subj',
        '/CN=localhost',
      ],
    }),
  ]);
  await writeFile(
    file('server.ext'),
    'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n',
  );
  await runCommand({
    command: openssl,
    args: [
      'x509',
      '-req',
      '-in',
      file('server.csr'),
      '-CA',
      file('ca.crt'),
      '-CAkey',
      file('ca.key'),
      '-CAcreateserial',
      '-out',
      file('server.crt'),
      '-days',
      DAYS,
      '-extfile',
      file('server.ext'),
    ],
  });
  return {
    caCertFile: file('ca.crt'),
    wrongCaCertFile: file('wrong-ca.crt'),
    serverCertFile: file('server.crt'),
    serverKeyFile: file('server.key'),
  };
}
