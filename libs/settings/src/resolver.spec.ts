import { SettingsError } from './errors';
import { parseLocalConfig } from './local-config';
import { diffSettings, resolveSettings, type LocalSettingsLayer, type SettingsLayers } from './resolver';
import {
  SETTINGS,
  SETTING_KEYS,
  defaultSettings,
  settingEnvName,
  type SettingKey,
} from './settings.catalogue';

const FILE = '/etc/portico/config.ini';

/** The local layer exactly as a node builds it: [settings] of config.ini + PORTICO_* env. */
function local(ini: Record<string, string>, env: Record<string, string> = {}): LocalSettingsLayer {
  const text = ['[settings]', ...Object.entries(ini).map(([k, v]) => `${k} = ${v}`)].join('\n');
  const envVars = Object.fromEntries(
    Object.entries(env).map(([k, v]) => [settingEnvName(k as SettingKey), v]),
  );
  return parseLocalConfig(text, FILE, envVars).settings;
}

function thrown(fn: () => unknown): SettingsError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(SettingsError);
    return error as SettingsError;
  }
  throw new Error('expected a SettingsError');
}

/** Four distinct valid values per key, as text (ini/env) and as JSON (node/cluster). */
const CASES: {
  key: SettingKey;
  ini: string;
  env: string;
  node: unknown;
  cluster: unknown;
  parsed: { ini: unknown; env: unknown };
}[] = [
  { key: 'checksum_max_workers', ini: '3', env: '5', node: 7, cluster: 9, parsed: { ini: 3, env: 5 } },
  {
    key: 'scan_interval_seconds',
    ini: '30',
    env: '15',
    node: 120,
    cluster: 300,
    parsed: { ini: 30, env: 15 },
  },
  {
    key: 'checksum_algorithms',
    ini: 'sha1',
    env: 'md5,xxh3',
    node: ['sha256'],
    cluster: ['xxh64', 'md5'],
    parsed: { ini: ['sha1'], env: ['md5', 'xxh3'] },
  },
  {
    key: 'ignore_patterns',
    ini: '*.part',
    env: '*.tmp,*.{a,b}',
    node: ['node_*'],
    cluster: [],
    parsed: { ini: ['*.part'], env: ['*.tmp', '*.{a,b}'] },
  },
];

const COMBINATIONS = Array.from({ length: 16 }, (_, bits) => ({
  ini: (bits & 1) !== 0,
  env: (bits & 2) !== 0,
  node: (bits & 4) !== 0,
  cluster: (bits & 8) !== 0,
}));

describe('resolveSettings precedence: local (env > ini) > node > cluster > default', () => {
  for (const c of CASES) {
    describe(c.key, () => {
      it.each(COMBINATIONS)('ini=$ini env=$env node=$node cluster=$cluster', (set) => {
        const layers: SettingsLayers = {
          local: local(set.ini ? { [c.key]: c.ini } : {}, set.env ? { [c.key]: c.env } : {}),
          node: set.node ? { [c.key]: c.node } : {},
          cluster: set.cluster ? { [c.key]: c.cluster } : {},
        };
        const resolved = resolveSettings(layers);
        const expected = set.env
          ? { value: c.parsed.env, winner: 'local', source: `env ${settingEnvName(c.key)}` }
          : set.ini
            ? { value: c.parsed.ini, winner: 'local', source: `${FILE} [settings] line 2` }
            : set.node
              ? { value: c.node, winner: 'node', source: 'node settings' }
              : set.cluster
                ? { value: c.cluster, winner: 'cluster', source: 'cluster settings' }
                : { value: SETTINGS[c.key].default, winner: 'default', source: 'built-in default' };

        expect(resolved.get(c.key)).toEqual(expected.value);
        expect(resolved.values[c.key]).toEqual(expected.value);

        const explained = resolved.explain(c.key);
        expect(explained.winner).toBe(expected.winner);
        expect(explained.value).toEqual(expected.value);
        expect(explained.layers.map((l) => l.layer)).toEqual(['local', 'node', 'cluster', 'default']);
        const winnerRow = explained.layers.find((l) => l.layer === expected.winner);
        expect(winnerRow?.source).toBe(expected.source);

        const localRow = explained.layers[0];
        expect(localRow?.set).toBe(set.ini || set.env);
        expect(localRow?.value).toEqual(set.env ? c.parsed.env : set.ini ? c.parsed.ini : undefined);
        // Within the local layer, env over ini is recorded.
        expect(localRow?.overrides).toEqual(
          set.env && set.ini ? { source: `${FILE} [settings] line 2`, value: c.parsed.ini } : undefined,
        );
        expect(explained.layers[1]).toMatchObject({ set: set.node, value: set.node ? c.node : undefined });
        expect(explained.layers[2]).toMatchObject({
          set: set.cluster,
          value: set.cluster ? c.cluster : undefined,
        });
        expect(explained.layers[3]).toMatchObject({ layer: 'default', value: SETTINGS[c.key].default });

        // Other keys are untouched by this one.
        for (const other of SETTING_KEYS.filter((k) => k !== c.key)) {
          expect(resolved.get(other)).toEqual(SETTINGS[other].default);
          expect(resolved.explain(other).winner).toBe('default');
        }
      });
    });
  }

  it('resolves each key independently from different layers', () => {
    const resolved = resolveSettings({
      local: local({ checksum_max_workers: '8' }),
      node: { scan_interval_seconds: 10, checksum_max_workers: 3 },
      cluster: { visibility_timeout: 120, scan_interval_seconds: 20, max_transcoding_jobs: 2 },
    });
    expect(resolved.values).toEqual({
      ...defaultSettings(),
      checksum_max_workers: 8,
      scan_interval_seconds: 10,
      visibility_timeout: 120,
      max_transcoding_jobs: 2,
    });
    expect(resolved.winner('checksum_max_workers')).toBe('local');
    expect(resolved.winner('scan_interval_seconds')).toBe('node');
    expect(resolved.winner('visibility_timeout')).toBe('cluster');
    expect(resolved.winner('max_transcoding_jobs')).toBe('cluster');
    expect(resolved.winner('checksum_algorithms')).toBe('default');
  });

  it('resolves to the defaults with no layers at all', () => {
    expect(resolveSettings().values).toEqual(defaultSettings());
    expect(
      resolveSettings({})
        .explainAll()
        .every((e) => e.winner === 'default'),
    ).toBe(true);
  });

  it('coerces text arriving in the node or cluster layer the same strict way', () => {
    expect(resolveSettings({ node: { checksum_max_workers: '6' } }).get('checksum_max_workers')).toBe(6);
    expect(thrown(() => resolveSettings({ cluster: { checksum_max_workers: '6.0' } })).message).toContain(
      'must be a whole number',
    );
  });

  it('treats null in a remote layer as not set', () => {
    const resolved = resolveSettings({
      node: { checksum_max_workers: null },
      cluster: { checksum_max_workers: 5 },
    });
    expect(resolved.get('checksum_max_workers')).toBe(5);
    expect(resolved.winner('checksum_max_workers')).toBe('cluster');
  });

  it('keeps cluster-only visibility_timeout from the cluster layer and the default', () => {
    expect(resolveSettings({}).get('visibility_timeout')).toBe(60);
    expect(resolveSettings({ cluster: { visibility_timeout: '90' } }).get('visibility_timeout')).toBe(90);
  });
});

describe('db_connection_uri: cluster value, local override through [main] database-url', () => {
  const clusterUri = 'postgres://portico:clustersecret@pgbouncer:6432/portico';
  const localUri = 'postgres://portico:localsecret@127.0.0.1:6432/portico';

  it('takes the cluster value and masks its password in explain', () => {
    const resolved = resolveSettings({ cluster: { db_connection_uri: clusterUri } });
    expect(resolved.get('db_connection_uri')).toBe(clusterUri);
    const explained = resolved.explain('db_connection_uri');
    expect(explained.sensitive).toBe(true);
    expect(explained.value).toBe('postgres://portico:****@pgbouncer:6432/portico');
    expect(JSON.stringify(explained)).not.toContain('clustersecret');
  });

  it('lets database-url from config.ini or env win over the cluster value, masked in explain', () => {
    const fromIni = parseLocalConfig(`[main]\ndatabase-url = ${localUri}\n`, FILE, {}).settings;
    const fromEnv = parseLocalConfig(undefined, FILE, { PORTICO_DATABASE_URL: localUri }).settings;
    for (const [layer, source] of [
      [fromIni, `${FILE} [main] line 2`],
      [fromEnv, 'env PORTICO_DATABASE_URL'],
    ] as const) {
      const resolved = resolveSettings({ local: layer, cluster: { db_connection_uri: clusterUri } });
      expect(resolved.get('db_connection_uri')).toBe(localUri);
      const explained = resolved.explain('db_connection_uri');
      expect(explained.winner).toBe('local');
      expect(explained.layers[0]).toMatchObject({
        source,
        value: 'postgres://portico:****@127.0.0.1:6432/portico',
      });
      expect(explained.layers[2]).toMatchObject({ value: 'postgres://portico:****@pgbouncer:6432/portico' });
      const text = JSON.stringify(resolved.explainAll());
      expect(text).not.toContain('localsecret');
      expect(text).not.toContain('clustersecret');
    }
  });

  it('has no value and a default winner when nobody sets it', () => {
    const explained = resolveSettings({}).explain('db_connection_uri');
    expect(explained).toMatchObject({ value: undefined, winner: 'default' });
  });
});

describe('resolveSettings rejects bad layers with one-line messages', () => {
  it.each([
    [
      'node',
      { node: { checksum_max_worker: 2 } },
      'unknown setting "checksum_max_worker" in node settings; did you mean checksum_max_workers?',
    ],
    ['cluster', { cluster: { bogus: 1 } }, 'unknown setting "bogus" in cluster settings;'],
    [
      'local',
      { local: { nope: { value: '1', origin: 'env', source: 'env PORTICO_NOPE' } } },
      'unknown setting "nope" in env PORTICO_NOPE',
    ],
  ] as const)('unknown key in the %s layer', (layer, layers, message) => {
    const error = thrown(() => resolveSettings(layers));
    expect(error.message).toContain(message);
    expect(error.message).toContain('known settings: checksum_max_workers,');
    expect(error.message).not.toContain('\n');
  });

  it('names key, layer, value and range for a value out of range in each layer', () => {
    const node = thrown(() => resolveSettings({ node: { max_transcoding_jobs: 40 } }));
    expect(node.message).toBe(
      'invalid max_transcoding_jobs in node settings: 40 must be at most 32; allowed: integer 1..32 (jobs per profile)',
    );
    expect(node).toMatchObject({
      key: 'max_transcoding_jobs',
      layer: 'node settings',
      allowed: 'integer 1..32 (jobs per profile)',
    });

    const cluster = thrown(() => resolveSettings({ cluster: { scan_interval_seconds: 0 } }));
    expect(cluster.message).toContain(
      'invalid scan_interval_seconds in cluster settings: 0 must be at least 1',
    );
    expect(cluster.layer).toBe('cluster settings');
  });

  it('rejects a wrong type in a remote layer', () => {
    const error = thrown(() => resolveSettings({ node: { checksum_algorithms: 'md5,md5' } }));
    expect(error.message).toContain(
      'invalid checksum_algorithms in node settings: "md5,md5" "md5" is listed twice',
    );
    expect(thrown(() => resolveSettings({ cluster: { ignore_patterns: 7 } })).message).toContain(
      'must be a comma-separated list or an array',
    );
    expect(thrown(() => resolveSettings({ node: { transcode_profiles: '{"proxy":' } })).message).toContain(
      'is not valid JSON',
    );
  });

  it.each(['db_connection_uri', 'visibility_timeout'] as const)(
    'rejects cluster-only %s in node settings',
    (key) => {
      const value = key === 'db_connection_uri' ? 'postgres://u:nodesecret@db/p' : 30;
      const error = thrown(() => resolveSettings({ node: { [key]: value } }));
      expect(error.message).toContain(
        `${key} is cluster-only and cannot be set in node settings; set it in cluster settings only`,
      );
      expect(error.message).not.toContain('nodesecret');
      expect(error).toMatchObject({ key, layer: 'node settings' });
    },
  );

  it('rejects cluster-only keys placed in the local layer by hand (not through database-url)', () => {
    const error = thrown(() =>
      resolveSettings({
        local: { visibility_timeout: { value: '30', origin: 'ini', source: `${FILE} [settings] line 3` } },
      }),
    );
    expect(error.message).toContain(
      `visibility_timeout is cluster-only and cannot be set in ${FILE} [settings] line 3`,
    );
    const db = thrown(() =>
      resolveSettings({
        local: {
          db_connection_uri: {
            value: 'postgres://u:p@h/d',
            origin: 'env',
            source: 'env PORTICO_DB_CONNECTION_URI',
          },
        },
      }),
    );
    expect(db.message).toContain('override it on one node with [main] database-url / PORTICO_DATABASE_URL');
  });

  it('re-validates local values and names their source', () => {
    const error = thrown(() =>
      resolveSettings({
        local: {
          checksum_max_workers: {
            value: '4.5',
            origin: 'ini',
            source: `${FILE} [settings] line 7`,
            file: FILE,
            line: 7,
          },
        },
      }),
    );
    expect(error.message).toBe(
      `invalid checksum_max_workers in ${FILE} [settings] line 7: "4.5" must be a whole number; allowed: integer 1..64 (jobs)`,
    );
    expect(error).toMatchObject({ file: FILE, line: 7 });
  });

  it('never puts a secret into the message of a bad db_connection_uri', () => {
    for (const value of ['mysql://root:supersecretpw@db/x', 'root:supersecretpw@db', 'supersecretpw']) {
      const error = thrown(() => resolveSettings({ cluster: { db_connection_uri: value } }));
      expect(error.message).not.toContain('supersecretpw');
      expect(error.message).toContain('db_connection_uri');
    }
  });
});

describe('diffSettings', () => {
  it('lists exactly the keys whose value changed, comparing lists and objects by content', () => {
    const a = resolveSettings({ cluster: { checksum_algorithms: ['md5', 'sha1'], checksum_max_workers: 2 } });
    const same = resolveSettings({ node: { checksum_algorithms: 'md5,sha1' } });
    expect(diffSettings(a, same)).toEqual([]);

    const b = resolveSettings({
      cluster: { checksum_algorithms: ['sha1', 'md5'], checksum_max_workers: 3 },
      node: { transcode_profiles: { proxy: { width: 1920 } } },
    });
    expect(diffSettings(a, b).sort()).toEqual([
      'checksum_algorithms',
      'checksum_max_workers',
      'transcode_profiles',
    ]);
    expect(diffSettings(a.values, b.values).sort()).toEqual(diffSettings(a, b).sort());
  });
});
