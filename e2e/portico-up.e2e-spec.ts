import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { getJson, startApp, type AppProcess } from '@portico/testing';

// `npm start` is `portico up` on the embedded defaults: this runs exactly that (embedded
// PostgreSQL, local S3, control plane, one gateway) in a scratch folder and stops it with SIGINT.
describe('portico up', () => {
  let scratch: string;
  let up: AppProcess | undefined;

  beforeAll(() => {
    scratch = mkdtempSync(path.join(tmpdir(), 'portico-up-'));
    // As root, the embedded PostgreSQL runs as the `postgres` user, which must enter this folder.
    chmodSync(scratch, 0o755);
  });
  afterAll(async () => {
    await up?.stop('SIGKILL');
    rmSync(scratch, { recursive: true, force: true });
  });

  it('brings up a healthy local cluster and stops it cleanly on Ctrl-C', async () => {
    const varDir = path.join(scratch, 'var');
    up = startApp('cli', {
      args: ['up', '--var', varDir, '--storage', path.join(varDir, 'storage'), '--port', '0'],
      cwd: scratch,
    });
    await up.waitForLine(/^Portico is up: 1 node$/, 120_000);

    const controlPlane = /control plane\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(
      await up.waitForLine(/control plane\s+http/),
    )![1]!;
    const nodeHealth = /node-1\s+(http:\/\/\S+\/health\/ready)/.exec(
      await up.waitForLine(/node-1\s+http/),
    )![1]!;
    await expect(getJson(`${controlPlane}/health/ready`)).resolves.toMatchObject({ status: 200 });
    await expect(getJson(nodeHealth)).resolves.toMatchObject({
      status: 200,
      body: { info: { database: { status: 'up' }, 'control-plane': { status: 'up' } } },
    });

    // The local S3 endpoint, its buckets and its keys, as printed, let a user into both buckets.
    const [, endpoint, buckets] = /S3 endpoint\s+(http:\/\/127\.0\.0\.1:\d+)\s+buckets (.+)$/.exec(
      await up.waitForLine(/S3 endpoint\s+http/),
    )!;
    expect(buckets!.split(', ')).toEqual(['portico-proxies', 'portico-archive']);
    const [, accessKeyId, secretAccessKey, region] =
      /S3 keys\s+access key (\S+)\s+secret key (\S+)\s+region (\S+)$/.exec(
        await up.waitForLine(/S3 keys\s/),
      )!;
    expect(await up.waitForLine(/aws --endpoint-url/)).toContain(
      `AWS_ACCESS_KEY_ID=${accessKeyId} AWS_SECRET_ACCESS_KEY=${secretAccessKey} ` +
        `aws --endpoint-url ${endpoint} --region ${region} s3 ls --recursive s3://portico-proxies`,
    );
    const bucketAnswers = async (
      credentials: { accessKeyId: string; secretAccessKey: string },
      bucket: string,
    ) => {
      const s3 = new S3Client({
        endpoint,
        region: region!,
        forcePathStyle: true,
        credentials,
        maxAttempts: 1,
      });
      try {
        return await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
      } finally {
        s3.destroy();
      }
    };
    // The SDK's notice about its future releases on Node 20 would bury this test's own output.
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
    const printed = { accessKeyId: accessKeyId!, secretAccessKey: secretAccessKey! };
    for (const bucket of ['portico-proxies', 'portico-archive'])
      await expect(bucketAnswers(printed, bucket)).resolves.toMatchObject({
        $metadata: { httpStatusCode: 200 },
      });
    // ...and it is the key that lets one in (the local endpoint checks keys, not signatures).
    await expect(
      bucketAnswers({ ...printed, accessKeyId: 'NOT-THE-KEY' }, 'portico-proxies'),
    ).rejects.toMatchObject({ $metadata: { httpStatusCode: 403 } });

    // The node runs from a config.ini an operator could read and edit; it holds no stray secrets in the console output.
    const config = readFileSync(path.join(varDir, 'nodes/node-1/config.ini'), 'utf8');
    expect(config).toMatch(/^\[storage\]\nmount-point = .*storage$/m);
    const secrets = JSON.parse(readFileSync(path.join(varDir, 'secrets.json'), 'utf8')) as {
      databasePassword: string;
      adminToken: string;
    };
    expect(up.stdout.join('\n')).not.toContain(secrets.databasePassword);
    expect(up.stdout.join('\n')).not.toContain(secrets.adminToken);
    expect(existsSync(path.join(varDir, 'postgres/data/PG_VERSION'))).toBe(true);

    const status = await up.stop('SIGINT', 60_000);
    expect(status).toEqual({ code: 0, signal: null });
    expect(up.stdout).toContain('portico up: stopped cleanly');
  }, 180_000);
});
