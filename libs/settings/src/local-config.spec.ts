import { ConfigError, SettingsError } from './errors';
import {
  nodeEnvContract,
  parseControlPlaneConfig,
  parseLocalConfig,
  resolveConfigPath,
} from './local-config';
import { resolveSettings } from './resolver';

const FILE = '/etc/portico/config.ini';
const NODE_ID = '6F9619FF-8B86-D011-B42D-00C04FC964FF';

function fails<E extends Error>(type: new (...args: never[]) => E, fn: () => unknown): E {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(type);
    expect((error as Error).message).not.toContain('\n');
    return error as E;
  }
  throw new Error(`expected a ${type.name}`);
}

describe('resolveConfigPath', () => {
  it('takes --config first, then PORTICO_CONFIG, then ./config.ini, relative to cwd', () => {
    const env = { PORTICO_CONFIG: 'env.ini' };
    expect(resolveConfigPath(['--config', 'a.ini'], env, '/work')).toEqual({
      path: '/work/a.ini',
      explicit: true,
      from: '--config',
    });
    expect(resolveConfigPath(['--config=/abs/b.ini'], env, '/work')).toMatchObject({
      path: '/abs/b.ini',
      explicit: true,
    });
    expect(resolveConfigPath(['serve'], env, '/work')).toEqual({
      path: '/work/env.ini',
      explicit: true,
      from: 'PORTICO_CONFIG',
    });
    expect(resolveConfigPath([], {}, '/work')).toEqual({
      path: '/work/config.ini',
      explicit: false,
      from: 'default',
    });
  });

  it('ignores arguments after --', () => {
    expect(resolveConfigPath(['--', '--config', 'x.ini'], {}, '/w').from).toBe('default');
  });

  it.each([
    [['--config']],
    [['--config', '--verbose']],
    [['--config=']],
    [['--config', 'a', '--config', 'b']],
  ])('rejects %j', (argv) => {
    expect(fails(ConfigError, () => resolveConfigPath(argv, {}, '/w')).message).toMatch(/^--config /);
  });

  it('rejects an empty PORTICO_CONFIG', () => {
    expect(fails(ConfigError, () => resolveConfigPath([], { PORTICO_CONFIG: ' ' }, '/w')).message).toContain(
      'PORTICO_CONFIG is set but empty',
    );
  });
});

describe('parseLocalConfig: [main] and [storage]', () => {
  const full = `
[main]
control-plane-url = https://cp.example:8443/   ; trailing slash dropped
auth-token = "tok_abcdefghijklmnop"
storage-gateway-id = ${NODE_ID}
roles = main, Checksum ,TRANSCODE
database-url = postgres://portico:dbsecret@pgbouncer:6432/portico
redis-url = redis://:redissecret@redis:6379/0
http-host = 0.0.0.0
http-port = 0
log-level = DEBUG
node-name = edit-suite-3

[storage]
mount-point = /mnt/nas/
`;

  it('reads and types every key', () => {
    const config = parseLocalConfig(full, FILE, {});
    expect(config.main).toEqual({
      controlPlaneUrl: 'https://cp.example:8443',
      authToken: 'tok_abcdefghijklmnop',
      storageGatewayId: NODE_ID.toLowerCase(),
      roles: ['MAIN', 'CHECKSUM', 'TRANSCODE'],
      databaseUrl: 'postgres://portico:dbsecret@pgbouncer:6432/portico',
      redisUrl: 'redis://:redissecret@redis:6379/0',
      httpHost: '0.0.0.0',
      httpPort: 0,
      logLevel: 'debug',
      nodeName: 'edit-suite-3',
    });
    expect(config.storage).toEqual({ mountPoint: '/mnt/nas' });
    expect(config.file).toEqual({ path: FILE, exists: true, explicit: false, from: 'default' });
    expect(config.sources['auth-token']).toEqual({ origin: 'ini', source: `${FILE} [main] line 4`, line: 4 });
    expect(config.sources['mount-point']).toMatchObject({ origin: 'ini', line: 15 });
  });

  it('applies defaults when nothing is set and works with no file at all', () => {
    const config = parseLocalConfig(undefined, FILE, {});
    expect(config.main).toEqual({ httpHost: '127.0.0.1', logLevel: 'info' });
    expect(config.storage).toEqual({});
    expect(config.settings).toEqual({});
    expect(config.file.exists).toBe(false);
  });

  it('lets each PORTICO_* variable win over config.ini and records the source', () => {
    const env = {
      PORTICO_CONTROL_PLANE_URL: 'http://other:8080',
      PORTICO_AUTH_TOKEN: 'envtoken-0123456789',
      PORTICO_STORAGE_GATEWAY_ID: '00000000-0000-4000-8000-000000000001',
      PORTICO_JOIN_TOKEN: 'join-0123456789',
      PORTICO_ROLES: 'transfer',
      PORTICO_DATABASE_URL: 'postgresql://u:envdb@db/p',
      PORTICO_REDIS_URL: 'rediss://cache:6380',
      PORTICO_HTTP_HOST: '::',
      PORTICO_HTTP_PORT: '9100',
      PORTICO_LOG_LEVEL: 'warn',
      PORTICO_NODE_NAME: 'n2',
      PORTICO_MOUNT_POINT: '/Volumes/NAS',
    };
    const config = parseLocalConfig(full, FILE, env, { from: 'PORTICO_CONFIG' });
    expect(config.main).toEqual({
      controlPlaneUrl: 'http://other:8080',
      authToken: 'envtoken-0123456789',
      storageGatewayId: '00000000-0000-4000-8000-000000000001',
      joinToken: 'join-0123456789',
      roles: ['TRANSFER'],
      databaseUrl: 'postgresql://u:envdb@db/p',
      redisUrl: 'rediss://cache:6380',
      httpHost: '::',
      httpPort: 9100,
      logLevel: 'warn',
      nodeName: 'n2',
    });
    expect(config.storage.mountPoint).toBe('/Volumes/NAS');
    expect(config.sources['http-port']).toEqual({ origin: 'env', source: 'env PORTICO_HTTP_PORT' });
    expect(config.file).toMatchObject({ explicit: true, from: 'PORTICO_CONFIG' });
  });

  it.each([
    ['control-plane-url', 'ftp://cp', 'must be a http:// or https:// URL'],
    ['control-plane-url', 'not a url', 'must be a http:// or https:// URL'],
    ['storage-gateway-id', 'node-1', 'must be a UUID'],
    ['roles', '', 'must list at least one role'],
    ['roles', 'MAIN,ADMIN', '"ADMIN" is not one of MAIN, CHECKSUM, TRANSCODE, TRANSFER'],
    ['roles', 'MAIN,main', '"MAIN" is listed twice'],
    ['http-port', '65536', 'must be at most 65535'],
    ['http-port', '80.5', 'must be a whole number'],
    ['http-port', '', 'must be a whole number'],
    ['http-host', 'http://0.0.0.0', 'must be a host name or IP address'],
    ['log-level', 'verbose', 'must be one of fatal, error, warn, info, debug, trace'],
    ['node-name', '', 'must not be empty'],
  ])('rejects [main] %s = %j', (key, value, reason) => {
    const error = fails(ConfigError, () => parseLocalConfig(`[main]\n${key} = "${value}"\n`, FILE, {}));
    expect(error.message).toContain(`invalid ${key} in ${FILE} [main] line 2: `);
    expect(error.message).toContain(reason);
    expect(error.message).toContain('; allowed: ');
    expect(error).toMatchObject({ key, file: FILE, line: 2, layer: `${FILE} [main]` });
  });

  it('rejects a relative mount point', () => {
    const error = fails(ConfigError, () => parseLocalConfig('[storage]\nmount-point = mnt/nas\n', FILE, {}));
    expect(error.message).toContain(
      `invalid mount-point in ${FILE} [storage] line 2: "mnt/nas" must be an absolute path`,
    );
  });

  it('rejects a bad value in the environment, naming the variable', () => {
    const error = fails(ConfigError, () =>
      parseLocalConfig(undefined, FILE, { PORTICO_HTTP_PORT: 'eighty' }),
    );
    expect(error.message).toBe(
      'invalid http-port in env PORTICO_HTTP_PORT: "eighty" must be a whole number; allowed: integer 0..65535 (0 = any free port)',
    );
    expect(error.layer).toBe('env PORTICO_HTTP_PORT');
  });

  it('still rejects a bad config.ini value that the environment overrides', () => {
    fails(ConfigError, () => parseLocalConfig('[main]\nhttp-port = x\n', FILE, { PORTICO_HTTP_PORT: '80' }));
  });

  it('rejects unknown keys in [main] and [storage], suggesting the right one', () => {
    const main = fails(ConfigError, () => parseLocalConfig('[main]\n\nauth_token = x\n', FILE, {}));
    expect(main.message).toContain(
      `config file ${FILE} line 3: unknown key "auth_token" in [main]; did you mean "auth-token"?`,
    );
    expect(main.message).toContain(
      'allowed: control-plane-url, auth-token, storage-gateway-id, join-token, roles,',
    );
    expect(main).toMatchObject({ key: 'auth_token', line: 3 });

    const storage = fails(ConfigError, () => parseLocalConfig('[storage]\nmountpoint = /x\n', FILE, {}));
    expect(storage.message).toContain(
      'unknown key "mountpoint" in [storage]; did you mean "mount-point"? allowed: mount-point',
    );
  });

  it('rejects a section other than [main], [settings], [storage]', () => {
    const error = fails(ConfigError, () => parseLocalConfig('[main]\n[control-plane]\n', FILE, {}));
    expect(error.message).toContain(
      'unknown section [control-plane]; allowed sections: [main], [settings], [storage]',
    );
  });

  it('never puts secrets in messages', () => {
    const cases: [string, Record<string, string>][] = [
      ['[main]\ndatabase-url = mysql://root:dbsecret99@db/x\n', {}],
      ['[main]\ndatabase-url = root:dbsecret99@db\n', {}],
      ['[main]\nredis-url = http://:dbsecret99@r\n', {}],
      ['[main]\nauth-token = "dbsecret99 with space"\n', {}],
      ['[main]\njoin-token = "dbsecret99 x"\n', {}],
      ['', { PORTICO_DATABASE_URL: 'nope://u:dbsecret99@h' }],
      ['', { PORTICO_AUTH_TOKEN: 'dbsecret99 x' }],
      ['[main]\nauth-token: dbsecret99\n', {}],
    ];
    for (const [text, env] of cases) {
      const error = fails(ConfigError, () => parseLocalConfig(text, FILE, env));
      expect(error.message).not.toContain('dbsecret99');
      expect(error.message).not.toContain('secret99');
    }
  });
});

describe('parseLocalConfig: [settings] and PORTICO_<SETTING>', () => {
  it('validates [settings] values, with env winning and both recorded', () => {
    const config = parseLocalConfig(
      '[settings]\nchecksum_max_workers = 4\nchecksum_algorithms = md5, sha256 ; two\n',
      FILE,
      { PORTICO_CHECKSUM_MAX_WORKERS: '6', PORTICO_SCAN_INTERVAL_SECONDS: '15' },
    );
    expect(config.settings).toEqual({
      checksum_max_workers: {
        value: 6,
        origin: 'env',
        source: 'env PORTICO_CHECKSUM_MAX_WORKERS',
        overrides: { source: `${FILE} [settings] line 2`, value: 4 },
      },
      checksum_algorithms: {
        value: ['md5', 'sha256'],
        origin: 'ini',
        source: `${FILE} [settings] line 3`,
        file: FILE,
        line: 3,
      },
      scan_interval_seconds: { value: 15, origin: 'env', source: 'env PORTICO_SCAN_INTERVAL_SECONDS' },
    });
    expect(resolveSettings({ local: config.settings }).get('checksum_max_workers')).toBe(6);
  });

  it('accepts JSON transcode profiles from config.ini and env', () => {
    const text = `[settings]\ntranscode_profiles = '{"proxy": {"width": 1920, "height": 1080}}'\n`;
    const config = parseLocalConfig(text, FILE, {});
    expect(resolveSettings({ local: config.settings }).get('transcode_profiles').proxy).toMatchObject({
      width: 1920,
      height: 1080,
      videoCodec: 'h264',
    });
    const env = parseLocalConfig(undefined, FILE, {
      PORTICO_TRANSCODE_PROFILES: '{"keyframes":{"intervalSeconds":2}}',
    });
    expect(resolveSettings({ local: env.settings }).get('transcode_profiles').keyframes.intervalSeconds).toBe(
      2,
    );
  });

  it.each([
    [
      'checksum_max_workers = 4.5',
      'invalid checksum_max_workers',
      '"4.5" must be a whole number; allowed: integer 1..64 (jobs)',
    ],
    ['checksum_max_workers = four', 'invalid checksum_max_workers', 'must be a whole number'],
    ['checksum_max_workers =', 'invalid checksum_max_workers', '"" must be a whole number'],
    ['scanner_concurrency_value = 100', 'invalid scanner_concurrency_value', 'must be at most 64'],
    ['checksum_algorithms = md5,crc32', 'invalid checksum_algorithms', '"crc32" is not one of'],
    ['checksum_algorithms = sha1,sha1', 'invalid checksum_algorithms', '"sha1" is listed twice'],
    ['ignore_patterns = *.{tmp', 'invalid ignore_patterns', 'has an unclosed [ or {'],
    ['transcode_profiles = {"proxy":{"width":"wide"}}', 'invalid transcode_profiles', 'proxy.width'],
  ])('rejects %s at its line', (line, what, reason) => {
    const error = fails(SettingsError, () => parseLocalConfig(`[settings]\n; tuned\n${line}\n`, FILE, {}));
    expect(error.message).toContain(`${what} in ${FILE} [settings] line 3: `);
    expect(error.message).toContain(reason);
    expect(error).toMatchObject({ layer: `${FILE} [settings]`, file: FILE, line: 3 });
  });

  it('rejects a bad setting in the environment, naming the variable', () => {
    const error = fails(SettingsError, () =>
      parseLocalConfig(undefined, FILE, { PORTICO_CHECKSUM_MAX_WORKERS: '4.5' }),
    );
    expect(error.message).toBe(
      'invalid checksum_max_workers in env PORTICO_CHECKSUM_MAX_WORKERS: "4.5" must be a whole number; allowed: integer 1..64 (jobs)',
    );
    expect(error).toMatchObject({ key: 'checksum_max_workers', layer: 'env PORTICO_CHECKSUM_MAX_WORKERS' });
  });

  it('rejects an unknown setting in [settings], suggesting the right one', () => {
    const error = fails(SettingsError, () =>
      parseLocalConfig('[settings]\nchecksum-max-workers = 4\n', FILE, {}),
    );
    expect(error.message).toContain(
      `unknown setting "checksum-max-workers" in ${FILE} [settings] line 2; did you mean checksum_max_workers?`,
    );
  });

  it.each([
    [
      '[settings]\nvisibility_timeout = 30\n',
      {},
      `visibility_timeout is cluster-only and cannot be set in ${FILE} [settings] line 2`,
    ],
    [
      '[settings]\ndb_connection_uri = postgres://u:topsecret1@h/d\n',
      {},
      'db_connection_uri is cluster-only',
    ],
    [
      '',
      { PORTICO_VISIBILITY_TIMEOUT: '30' },
      'visibility_timeout is cluster-only and cannot be set in env PORTICO_VISIBILITY_TIMEOUT',
    ],
    ['', { PORTICO_DB_CONNECTION_URI: 'postgres://u:topsecret1@h/d' }, 'db_connection_uri is cluster-only'],
  ])('rejects a cluster-only key in the local layer: %j %j', (text, env, message) => {
    const error = fails(SettingsError, () => parseLocalConfig(text, FILE, env));
    expect(error.message).toContain(message);
    expect(error.message).not.toContain('topsecret1');
  });

  it('turns database-url into the local override of db_connection_uri', () => {
    const config = parseLocalConfig('[main]\ndatabase-url = postgres://u:p@h:6432/d\n', FILE, {});
    expect(config.settings['db_connection_uri']).toEqual({
      value: 'postgres://u:p@h:6432/d',
      origin: 'ini',
      source: `${FILE} [main] line 2`,
      via: 'database-url',
      file: FILE,
      line: 2,
    });
  });
});

describe('parseLocalConfig: PORTICO_* environment contract', () => {
  it('rejects an unknown PORTICO_ variable, suggesting the right one', () => {
    const error = fails(ConfigError, () =>
      parseLocalConfig(undefined, FILE, { PORTICO_CHECKSUM_MAX_WORKER: '4' }),
    );
    expect(error.message).toMatch(
      /^unknown environment variable PORTICO_CHECKSUM_MAX_WORKER; did you mean PORTICO_CHECKSUM_MAX_WORKERS\? known: /,
    );
    expect(error.key).toBe('PORTICO_CHECKSUM_MAX_WORKER');
    expect(error.message).toContain('PORTICO_MOUNT_POINT');
    // Recognised only to explain that they are cluster-only; not offered as choices.
    expect(error.message).not.toContain('PORTICO_VISIBILITY_TIMEOUT');
    expect(
      fails(ConfigError, () => parseLocalConfig(undefined, FILE, { PORTICO_SOMETHING_ELSE: '1' })).message,
    ).toContain('unknown environment variable PORTICO_SOMETHING_ELSE; known: ');
  });

  it('allows PORTICO_CONFIG, PORTICO_TEST_* and variables without the prefix by default', () => {
    expect(() =>
      parseLocalConfig(undefined, FILE, {
        PORTICO_CONFIG: '/x',
        PORTICO_TEST_DB: 'x',
        HOME: '/root',
        portico_roles: 'x',
      }),
    ).not.toThrow();
  });

  it('takes the allow-list as a parameter (PORTICO_CONFIG stays allowed)', () => {
    const allowEnv = { names: ['PORTICO_BENCH'], prefixes: ['PORTICO_CHAOS_'] };
    expect(() =>
      parseLocalConfig(
        undefined,
        FILE,
        { PORTICO_BENCH: '1', PORTICO_CHAOS_SEED: '2', PORTICO_CONFIG: '/c' },
        { allowEnv },
      ),
    ).not.toThrow();
    expect(() => parseLocalConfig(undefined, FILE, { PORTICO_TEST_X: '1' }, { allowEnv })).toThrow(
      ConfigError,
    );
  });

  it('lists the contract', () => {
    const names = nodeEnvContract().map((v) => v.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'PORTICO_CONFIG',
        'PORTICO_CONTROL_PLANE_URL',
        'PORTICO_AUTH_TOKEN',
        'PORTICO_STORAGE_GATEWAY_ID',
        'PORTICO_JOIN_TOKEN',
        'PORTICO_ROLES',
        'PORTICO_DATABASE_URL',
        'PORTICO_REDIS_URL',
        'PORTICO_HTTP_HOST',
        'PORTICO_HTTP_PORT',
        'PORTICO_LOG_LEVEL',
        'PORTICO_NODE_NAME',
        'PORTICO_MOUNT_POINT',
        'PORTICO_CHECKSUM_MAX_WORKERS',
        'PORTICO_TRANSCODE_PROFILES',
      ]),
    );
    expect(names).not.toContain('PORTICO_VISIBILITY_TIMEOUT');
  });
});

describe('parseControlPlaneConfig', () => {
  const db = 'postgres://cp:cpsecret@db:5432/portico';

  it('reads [control-plane] with defaults', () => {
    const config = parseControlPlaneConfig(`[control-plane]\ndatabase-url = ${db}\n`, FILE, {});
    expect(config).toMatchObject({
      httpHost: '127.0.0.1',
      httpPort: 8080,
      databaseUrl: db,
      logLevel: 'info',
    });
    expect(config.adminToken).toBeUndefined();
  });

  it('lets the environment win', () => {
    const config = parseControlPlaneConfig(
      `[control-plane]\ndatabase-url = ${db}\nhttp-port = 9000\n`,
      FILE,
      {
        PORTICO_HTTP_PORT: '0',
        PORTICO_HTTP_HOST: '0.0.0.0',
        PORTICO_ADMIN_TOKEN: 'admin-token-0123456789',
        PORTICO_REDIS_URL: 'redis://r:6379',
        PORTICO_LOG_LEVEL: 'error',
      },
    );
    expect(config).toMatchObject({
      httpHost: '0.0.0.0',
      httpPort: 0,
      adminToken: 'admin-token-0123456789',
      redisUrl: 'redis://r:6379',
      logLevel: 'error',
    });
    expect(config.sources['http-port']).toEqual({ origin: 'env', source: 'env PORTICO_HTTP_PORT' });
  });

  it('requires a database URL', () => {
    expect(fails(ConfigError, () => parseControlPlaneConfig(undefined, FILE, {})).message).toContain(
      'no database configured for the control plane',
    );
  });

  it('rejects a short admin token without showing it', () => {
    const error = fails(ConfigError, () =>
      parseControlPlaneConfig(
        `[control-plane]\ndatabase-url = ${db}\nadmin-token = short7secret\n`,
        FILE,
        {},
      ),
    );
    expect(error.message).toContain('invalid admin-token');
    expect(error.message).toContain('must be at least 16 characters');
    expect(error.message).not.toContain('short7secret');
  });

  it('allows only the [control-plane] section and its keys and variables', () => {
    expect(fails(ConfigError, () => parseControlPlaneConfig('[main]\n', FILE, {})).message).toContain(
      'unknown section [main]; allowed sections: [control-plane]',
    );
    expect(
      fails(ConfigError, () => parseControlPlaneConfig('[control-plane]\nroles = MAIN\n', FILE, {})).message,
    ).toContain('unknown key "roles" in [control-plane]');
    expect(
      fails(ConfigError, () =>
        parseControlPlaneConfig(undefined, FILE, { PORTICO_DATABASE_URL: db, PORTICO_ROLES: 'MAIN' }),
      ).message,
    ).toContain('unknown environment variable PORTICO_ROLES');
  });
});
