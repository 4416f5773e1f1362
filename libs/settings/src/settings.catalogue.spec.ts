import { SettingsError } from './errors';
import { validateSettingValue } from './resolver';
import {
  DEFAULT_TRANSCODE_PROFILES,
  SETTINGS,
  SETTING_KEYS,
  defaultSettings,
  settingEnvName,
  type SettingKey,
} from './settings.catalogue';

const origin = { layer: 'env PORTICO_TEST' };
const accept = (key: SettingKey, raw: unknown) => validateSettingValue(key, raw, origin);
const reject = (key: SettingKey, raw: unknown): SettingsError => {
  try {
    validateSettingValue(key, raw, origin);
  } catch (error) {
    expect(error).toBeInstanceOf(SettingsError);
    return error as SettingsError;
  }
  throw new Error(`${key} accepted ${JSON.stringify(raw)}`);
};

describe('settings catalogue', () => {
  it('declares every setting of SPEC 2.3 with the SPEC defaults', () => {
    expect(defaultSettings()).toEqual({
      checksum_max_workers: 2,
      checksum_algorithms: ['md5'],
      scanner_concurrency_value: 4,
      scan_interval_seconds: 60,
      growing_files_threshold_seconds: 10,
      ignore_patterns: ['.DS_Store', '._*', 'Thumbs.db', '*.tmp', '.portico'],
      max_deletions_per_scan: 1000,
      file_download_parallel_downloads_num: 4,
      file_upload_parallel_uploads_num: 4,
      max_transcoding_jobs: 1,
      transcode_profiles: DEFAULT_TRANSCODE_PROFILES,
      db_connection_uri: undefined,
      visibility_timeout: 60,
    });
  });

  it('keys each entry by its own key and names its environment variable', () => {
    for (const key of SETTING_KEYS) expect(SETTINGS[key].key).toBe(key);
    expect(settingEnvName('checksum_max_workers')).toBe('PORTICO_CHECKSUM_MAX_WORKERS');
  });

  it('marks db_connection_uri and visibility_timeout cluster-only, db_connection_uri sensitive', () => {
    const clusterOnly = SETTING_KEYS.filter((k) => SETTINGS[k].scope === 'cluster');
    expect(clusterOnly.sort()).toEqual(['db_connection_uri', 'visibility_timeout']);
    expect(SETTING_KEYS.filter((k) => SETTINGS[k].sensitive)).toEqual(['db_connection_uri']);
  });

  it('has defaults that pass their own schema', () => {
    for (const key of SETTING_KEYS) {
      const def = SETTINGS[key].default;
      if (def !== undefined) expect(accept(key, def)).toEqual(def);
    }
  });

  it('gives the SPEC transcode profile defaults', () => {
    expect(DEFAULT_TRANSCODE_PROFILES).toEqual({
      proxy: {
        width: 1280,
        height: 720,
        videoCodec: 'h264',
        videoBitrateKbps: 3000,
        audioCodec: 'aac',
        audioBitrateKbps: 128,
      },
      keyframes: { intervalSeconds: 10, width: 640, format: 'jpeg' },
      poster: { width: 1280, format: 'jpeg', offsetPercent: 10 },
    });
  });
});

describe('integer settings', () => {
  it.each([
    ['4', 4],
    [' 4 ', 4],
    [4, 4],
    ['64', 64],
    ['1', 1],
  ])('accept %j', (raw, expected) => {
    expect(accept('checksum_max_workers', raw)).toBe(expected);
  });

  it.each(['4.5', 'four', '', '0x10', '1e1', '4 workers', 4.5, true, null, [4], '-'])('reject %j', (raw) => {
    const error = reject('checksum_max_workers', raw);
    expect(error.message).toContain('must be a whole number');
    expect(error.message).toContain('allowed: integer 1..64');
  });

  it.each([
    ['checksum_max_workers', '0', 'must be at least 1'],
    ['checksum_max_workers', '65', 'must be at most 64'],
    ['scanner_concurrency_value', '65', 'must be at most 64'],
    ['scan_interval_seconds', '0', 'must be at least 1'],
    ['scan_interval_seconds', '86401', 'must be at most 86400'],
    ['growing_files_threshold_seconds', '-1', 'must be at least 0'],
    ['max_deletions_per_scan', '10000001', 'must be at most 10000000'],
    ['file_download_parallel_downloads_num', '0', 'must be at least 1'],
    ['file_upload_parallel_uploads_num', '65', 'must be at most 64'],
    ['max_transcoding_jobs', '33', 'must be at most 32'],
    ['visibility_timeout', '9', 'must be at least 10'],
    ['checksum_max_workers', '99999999999999999999', 'must be at most 64'],
  ] as const)('%s rejects %s (%s)', (key, raw, reason) => {
    const error = reject(key, raw);
    expect(error.message).toContain(reason);
    expect(error.key).toBe(key);
    expect(error.allowed).toBe(SETTINGS[key].allowed);
  });

  it('accepts the range bounds', () => {
    expect(accept('growing_files_threshold_seconds', '0')).toBe(0);
    expect(accept('max_deletions_per_scan', '10000000')).toBe(10_000_000);
    expect(accept('visibility_timeout', '86400')).toBe(86_400);
  });
});

describe('checksum_algorithms', () => {
  it('accepts comma-separated text and JSON arrays, case-insensitively, in order', () => {
    expect(accept('checksum_algorithms', 'md5, SHA256 ,xxh3')).toEqual(['md5', 'sha256', 'xxh3']);
    expect(accept('checksum_algorithms', ['sha1', 'xxh64'])).toEqual(['sha1', 'xxh64']);
  });

  it.each([
    ['', 'must list at least 1'],
    [[], 'must list at least 1'],
    ['md5,md5', '"md5" is listed twice'],
    ['md5,MD5', '"md5" is listed twice'],
    ['md5,crc32', '"crc32" is not one of md5, sha1, sha256, xxh64, xxh3'],
    ['md5,,sha1', 'has an empty item'],
    ['md5,', 'has an empty item'],
    [[1], 'items must be strings'],
    [5, 'must be a comma-separated list or an array'],
  ] as const)('rejects %j (%s)', (raw, reason) => {
    const error = reject('checksum_algorithms', raw);
    expect(error.message).toContain(reason);
    expect(error.message).toContain('allowed: non-empty list of distinct md5, sha1, sha256, xxh64, xxh3');
  });
});

describe('ignore_patterns', () => {
  it('splits on commas outside braces and brackets', () => {
    expect(accept('ignore_patterns', '*.tmp, .DS_Store ,*.{part,crdownload},[._]*')).toEqual([
      '*.tmp',
      '.DS_Store',
      '*.{part,crdownload}',
      '[._]*',
    ]);
  });

  it('accepts an empty list (nothing ignored) and JSON arrays', () => {
    expect(accept('ignore_patterns', '')).toEqual([]);
    expect(accept('ignore_patterns', ['a,b', '*.x'])).toEqual(['a,b', '*.x']);
  });

  it.each([
    ['*.tmp,,x', 'has an empty item'],
    ['*.{tmp', 'has an unclosed [ or {'],
    ['[abc', 'has an unclosed [ or {'],
    ['abc]', 'has a closing bracket without an opening one'],
    [['ok', 'bad\u0001'], 'contains a control character'],
    [['x'.repeat(1025)], 'is longer than 1024 characters'],
    [{ pattern: '*.tmp' }, 'must be a comma-separated list or an array'],
  ] as const)('rejects %j (%s)', (raw, reason) => {
    expect(reject('ignore_patterns', raw).message).toContain(reason);
  });
});

describe('transcode_profiles', () => {
  it('accepts JSON text and objects; omitted fields take the defaults', () => {
    expect(accept('transcode_profiles', '{"proxy":{"width":1920,"height":1080}}')).toEqual({
      ...DEFAULT_TRANSCODE_PROFILES,
      proxy: { ...DEFAULT_TRANSCODE_PROFILES.proxy, width: 1920, height: 1080 },
    });
    expect(accept('transcode_profiles', { keyframes: { intervalSeconds: 5 } })).toEqual({
      ...DEFAULT_TRANSCODE_PROFILES,
      keyframes: { ...DEFAULT_TRANSCODE_PROFILES.keyframes, intervalSeconds: 5 },
    });
  });

  it.each([
    ['{proxy: 1}', 'is not valid JSON'],
    ['[]', 'must be a JSON object'],
    ['42', 'must be a JSON object'],
    ['{"proxi":{}}', 'Unrecognized key: "proxi"'],
    ['{"proxy":{"widht":1920}}', 'proxy: Unrecognized key: "widht"'],
    ['{"proxy":{"width":1281}}', 'proxy.width: must be even'],
    ['{"proxy":{"width":8}}', 'proxy.width'],
    ['{"proxy":{"videoCodec":"hevc"}}', 'proxy.videoCodec'],
    ['{"proxy":{"audioCodec":"mp3"}}', 'proxy.audioCodec'],
    ['{"keyframes":{"format":"png"}}', 'keyframes.format'],
    ['{"keyframes":{"intervalSeconds":0}}', 'keyframes.intervalSeconds'],
    ['{"poster":{"offsetPercent":101}}', 'poster.offsetPercent'],
    ['{"proxy":{"width":"1920"}}', 'proxy.width'],
  ])('rejects %s (%s)', (raw, reason) => {
    const error = reject('transcode_profiles', raw);
    expect(error.message).toContain(reason);
    expect(error.message).toContain('allowed: JSON object');
  });
});

describe('db_connection_uri', () => {
  it('accepts postgres:// and postgresql:// URLs', () => {
    expect(accept('db_connection_uri', 'postgres://u:p@db:6432/portico')).toBe(
      'postgres://u:p@db:6432/portico',
    );
    expect(accept('db_connection_uri', 'postgresql://db/portico')).toBe('postgresql://db/portico');
  });

  it('rejects other schemes without showing the password', () => {
    const error = reject('db_connection_uri', 'mysql://admin:hunter2secret@db/x');
    expect(error.message).toContain('must be a postgres:// or postgresql:// URL');
    expect(error.message).not.toContain('hunter2secret');
    expect(error.message).toContain('mysql://admin:****@db/x');
  });

  it('never shows a value that does not parse as a URL', () => {
    const error = reject('db_connection_uri', 'admin:hunter2secret@db');
    expect(error.message).not.toContain('hunter2secret');
    const other = reject('db_connection_uri', 12345678);
    expect(other.message).not.toContain('12345678');
  });
});
