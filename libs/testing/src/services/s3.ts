// The S3 endpoint: s3rver in a detached node process (so a fault can stop it), path-style, with
// s3rver's fixed credentials. `--openssl-legacy-provider` is needed because s3rver hashes
// paginated listing markers with an algorithm OpenSSL 3 only has in its legacy provider.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';

import { LOCAL_S3_SCRIPT } from '@portico/object-store';
import { startDetachedService } from './detached-service';
import type { S3State } from '../harness/state';

export const S3_CREDENTIALS = {
  accessKeyId: 'S3RVER',
  secretAccessKey: 'S3RVER',
  region: 'us-east-1',
} as const;

export async function startS3(dir: string, port: number): Promise<S3State> {
  const dataDir = join(dir, 'data');
  await mkdir(dataDir, { recursive: true });
  const pidFile = join(dir, 's3.pid');
  const state: S3State = {
    port,
    pidFile,
    logFile: join(dir, 's3.log'),
    start: {
      command: process.execPath,
      args: [
        '--openssl-legacy-provider',
        LOCAL_S3_SCRIPT,
        '127.0.0.1',
        String(port),
        dataDir,
        '--pid-file',
        pidFile,
      ],
    },
    startMode: 'spawn',
    dir: dataDir,
    ...S3_CREDENTIALS,
  };
  await startDetachedService(state, 'S3 (s3rver)');
  return state;
}
