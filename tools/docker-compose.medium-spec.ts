import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { ensureCommands } from '@portico/testing';

// No Docker engine is needed: docker-compose validates and renders a file offline.
const root = path.resolve(__dirname, '..');
const composeFile = path.join(root, 'docker-compose.yml');

interface Service {
  image?: string;
  command?: string[];
  environment?: Record<string, string>;
  volumes?: Array<{ source?: string; target?: string } | string>;
  ports?: Array<{ host_ip?: string } | string>;
  deploy?: { replicas?: number };
  depends_on?: Record<string, unknown>;
}

/** docker-compose v1 renders short syntax (`src:dst[:mode]`), v2 long syntax; read both. */
function mountOf(volume: Service['volumes'] extends Array<infer V> | undefined ? V : never): {
  source?: string;
  target?: string;
} {
  if (typeof volume !== 'string') return volume;
  const [source, target] = volume.split(':');
  return { source, target };
}

function hostIpOf(port: Service['ports'] extends Array<infer P> | undefined ? P : never): string | undefined {
  if (typeof port !== 'string') return port.host_ip;
  const parts = port.split(':');
  return parts.length === 3 ? parts[0] : undefined;
}

function compose(args: string[], file = composeFile) {
  return spawnSync('docker-compose', ['-f', file, ...args], {
    cwd: path.dirname(file),
    encoding: 'utf8',
    env: { ...process.env, PORTICO_STORAGE: '/srv/nas', PORTICO_JOIN_TOKEN: 'pj_compose-test' },
  });
}

describe('docker-compose.yml', () => {
  let services: Record<string, Service>;

  beforeAll(() => {
    ensureCommands([{ command: 'docker-compose', debianPackage: 'docker-compose' }]);
    const rendered = compose(['config']);
    if (rendered.status !== 0) throw new Error(`docker-compose config failed: ${rendered.stderr}`);
    services = (parse(rendered.stdout) as { services: Record<string, Service> }).services;
  });

  it('is valid under `docker-compose config -q`', () => {
    const result = compose(['config', '-q']);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('is rejected when broken, so the validation above means something', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'portico-compose-'));
    try {
      const broken = readFileSync(composeFile, 'utf8').replace(
        'condition: service_healthy',
        'condition: whenever',
      );
      writeFileSync(path.join(dir, 'docker-compose.yml'), broken);
      expect(compose(['config', '-q'], path.join(dir, 'docker-compose.yml')).status).not.toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('describes the real topology', () => {
    expect(Object.keys(services).sort()).toEqual(
      [
        'checksum-worker',
        'control-plane',
        'coordinator',
        'pgbouncer',
        'postgres',
        'redis',
        's3',
        'transcode-worker',
        'transfer-worker',
      ].sort(),
    );
    expect(services.pgbouncer!.environment!.POOL_MODE).toBe('transaction');
    expect(services.coordinator!.deploy!.replicas).toBe(2);
  });

  it.each(['coordinator', 'checksum-worker', 'transcode-worker', 'transfer-worker'])(
    '%s runs its own built app against pgBouncer with the storage bind mount',
    (name) => {
      const service = services[name]!;
      const entry = service.command!.find((part) => part.endsWith('main.js'))!;
      expect(entry).toBe(`dist/apps/${name}/src/main.js`);
      expect(existsSync(path.join(root, 'apps', name, 'src', 'main.ts'))).toBe(true);
      expect(new URL(service.environment!.PORTICO_DATABASE_URL!).hostname).toBe('pgbouncer');
      const mount = service.volumes!.map(mountOf).find((volume) => volume.target === '/mnt/storage');
      expect(mount).toEqual({ source: '/srv/nas', target: '/mnt/storage' });
      expect(service.environment!.PORTICO_MOUNT_POINT).toBe('/mnt/storage');
      expect(service.environment!.PORTICO_JOIN_TOKEN).toBe('pj_compose-test');
      expect(Object.keys(service.depends_on!)).toEqual(
        expect.arrayContaining(['pgbouncer', 'control-plane']),
      );
    },
  );

  it('publishes ports on loopback only', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const port of service.ports ?? []) {
        expect({ name, hostIp: hostIpOf(port) }).toEqual({ name, hostIp: '127.0.0.1' });
      }
    }
  });
});
