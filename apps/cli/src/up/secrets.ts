import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

export interface LocalSecrets {
  databasePassword: string;
  adminToken: string;
}

/** Secrets of a local cluster, generated on first run and kept (mode 0600) so restarts reuse them. */
export function loadOrCreateSecrets(file: string): LocalSecrets {
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as LocalSecrets;
  const secrets: LocalSecrets = {
    databasePassword: randomBytes(18).toString('base64url'),
    adminToken: `pa_${randomBytes(24).toString('base64url')}`,
  };
  writeFileSync(file, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  return secrets;
}
