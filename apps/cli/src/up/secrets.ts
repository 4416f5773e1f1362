import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

export interface LocalSecrets {
  databasePassword: string;
  adminToken: string;
  /** The control plane's key for object-store secrets (AES-256-GCM). */
  secretKey: string;
}

/** Secrets of a local cluster, generated on first run and kept (mode 0600) so restarts reuse them. */
export function loadOrCreateSecrets(file: string): LocalSecrets {
  const previous = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Partial<LocalSecrets>) : {};
  // A var/ folder from an older version lacks the newer secrets: they are added, the rest kept.
  const secrets: LocalSecrets = {
    databasePassword: previous.databasePassword ?? randomBytes(18).toString('base64url'),
    adminToken: previous.adminToken ?? `pa_${randomBytes(24).toString('base64url')}`,
    secretKey: previous.secretKey ?? randomBytes(32).toString('base64url'),
  };
  if (previous.databasePassword && previous.adminToken && previous.secretKey) return secrets;
  writeFileSync(file, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  return secrets;
}
