import { checkSetting, checkSettingsMap, maskSettings } from './setting-rules';

describe('setting rules', () => {
  it('returns the normalised value for a valid setting', () => {
    expect(checkSetting('node', 'checksum_max_workers', '4', 'value')).toEqual({
      ok: true,
      key: 'checksum_max_workers',
      value: 4,
    });
    expect(checkSetting('cluster', 'checksum_algorithms', 'SHA1,md5', 'value')).toMatchObject({
      value: ['sha1', 'md5'],
    });
  });

  it('names the key, the layer and the allowed range of a bad value', () => {
    const result = checkSetting('cluster', 'visibility_timeout', 5, 'value');
    expect(result).toEqual({
      ok: false,
      problem: {
        path: 'value',
        message: expect.stringMatching(
          /^invalid visibility_timeout in cluster settings: 5 .*at least 10.*allowed: integer 10\.\.86400/,
        ) as unknown,
      },
    });
  });

  it('refuses unknown keys, with the known ones listed', () => {
    const result = checkSetting('node', 'checksum_workers', 2, 'key');
    expect(result.ok).toBe(false);
    if (!result.ok)
      expect(result.problem.message).toMatch(
        /unknown setting "checksum_workers" in node settings; known settings: .*checksum_max_workers/,
      );
  });

  it('keeps cluster-only keys out of the node layer', () => {
    const result = checkSetting('node', 'db_connection_uri', 'postgres://u:p@h/db', 'value');
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problem.message).toContain('db_connection_uri is cluster-only');
    expect(checkSetting('cluster', 'db_connection_uri', 'postgres://u:p@h/db', 'value').ok).toBe(true);
  });

  it('refuses a missing value (DELETE unsets a key)', () => {
    expect(checkSetting('cluster', 'visibility_timeout', null, 'value').ok).toBe(false);
  });

  it('does not echo a sensitive value in its error', () => {
    const result = checkSetting('cluster', 'db_connection_uri', 'mysql://user:hunter2@h/db', 'value');
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problem.message).not.toContain('hunter2');
  });

  it('reports every bad key of a map, each under its own path', () => {
    const { values, problems } = checkSettingsMap(
      'node',
      { checksum_max_workers: 0, scan_interval_seconds: 30, nope: 1 },
      'settings',
    );
    expect(values).toEqual({ scan_interval_seconds: 30 });
    expect(problems.map((p) => p.path)).toEqual(['settings.checksum_max_workers', 'settings.nope']);
  });

  it('masks sensitive values and leaves the rest', () => {
    expect(
      maskSettings({
        db_connection_uri: 'postgres://portico:secret@db:6432/portico',
        checksum_max_workers: 4,
      }),
    ).toEqual({ db_connection_uri: 'postgres://portico:****@db:6432/portico', checksum_max_workers: 4 });
  });
});
