import * as path from 'node:path';
import {
  CONTROL_PLANE_FIELDS,
  MAIN_FIELDS,
  STORAGE_FIELDS,
  checkField,
  type FieldSpec,
  type Fields,
  type LogLevel,
} from './config-fields';
import { ConfigError } from './errors';
import { parseIni, type IniSection } from './ini-parser';
import { maskSecret, maskUrlPassword } from './mask';
import {
  clusterOnlyError,
  unknownSettingError,
  validateSettingValue,
  type LocalSettingEntry,
  type LocalSettingsLayer,
} from './resolver';
import type { Role } from './roles';
import { SETTING_KEYS, isSettingKey, settingDefinition, settingEnvName } from './settings.catalogue';
import { closest, showValue } from './values';

/**
 * The local layer: config.ini (SPEC 3.2) and PORTICO_* environment variables, which win over
 * the file. Pure: the adapter reads the file and hands its text here.
 */

export type Env = Readonly<Record<string, string | undefined>>;

/** PORTICO_* variables that are not configuration but must not be rejected as typos. */
export interface EnvAllowList {
  readonly names?: readonly string[];
  readonly prefixes?: readonly string[];
}

/** PORTICO_CONFIG is always allowed (it names the file); PORTICO_TEST_* is for test harnesses. */
export const DEFAULT_ENV_ALLOW_LIST: EnvAllowList = {
  names: ['PORTICO_CONFIG'],
  prefixes: ['PORTICO_TEST_'],
};

export const DEFAULT_CONFIG_FILE = 'config.ini';

export interface ConfigFileInfo {
  /** Absolute path. */
  readonly path: string;
  readonly exists: boolean;
  /** Named by --config or PORTICO_CONFIG (then it must exist). */
  readonly explicit: boolean;
  readonly from: '--config' | 'PORTICO_CONFIG' | 'default';
}

/** Where a [main]/[storage]/[control-plane] value came from. */
export interface ValueSource {
  readonly origin: 'ini' | 'env';
  /** e.g. "/etc/portico/config.ini [main] line 4" or "env PORTICO_AUTH_TOKEN". */
  readonly source: string;
  readonly line?: number;
}

export interface MainConfig {
  readonly controlPlaneUrl?: string;
  readonly authToken?: string;
  readonly storageGatewayId?: string;
  readonly joinToken?: string;
  /** Canonical upper case, distinct, non-empty when set. */
  readonly roles?: Role[];
  /** This node's override of the cluster's db_connection_uri. */
  readonly databaseUrl?: string;
  readonly redisUrl?: string;
  readonly httpHost: string;
  /** Unset: the app picks (0 = any free port). */
  readonly httpPort?: number;
  readonly logLevel: LogLevel;
  readonly nodeName?: string;
}

export interface StorageConfig {
  readonly mountPoint?: string;
}

export interface LocalConfig {
  readonly file: ConfigFileInfo;
  readonly main: MainConfig;
  readonly storage: StorageConfig;
  /** Validated [settings] + PORTICO_<SETTING> values (and database-url as db_connection_uri). */
  readonly settings: LocalSettingsLayer;
  /** Keyed by ini key (e.g. "auth-token", "mount-point"): which source set each value. */
  readonly sources: Readonly<Record<string, ValueSource>>;
}

export interface ControlPlaneConfig {
  readonly file: ConfigFileInfo;
  readonly httpHost: string;
  readonly httpPort: number;
  readonly databaseUrl: string;
  readonly adminToken?: string;
  readonly redisUrl?: string;
  readonly logLevel: LogLevel;
  readonly sources: Readonly<Record<string, ValueSource>>;
}

export interface ParseOptions {
  /** How the path was chosen; defaults to the default path (not explicit). */
  readonly from?: ConfigFileInfo['from'];
  readonly allowEnv?: EnvAllowList;
}

/**
 * Picks the config file: `--config <path>` (or `--config=<path>`) in argv, else PORTICO_CONFIG,
 * else ./config.ini; relative paths are resolved against cwd.
 */
export function resolveConfigPath(
  argv: readonly string[],
  env: Env,
  cwd: string,
): { path: string; explicit: boolean; from: ConfigFileInfo['from'] } {
  let given: string | undefined;
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] as string;
    if (arg === '--') break;
    let value: string | undefined;
    if (arg === '--config') {
      value = argv[i + 1];
      if (value === undefined || value === '' || value.startsWith('-')) {
        throw new ConfigError('--config needs a path: --config /path/to/config.ini', { key: '--config' });
      }
      i += 1;
    } else if (arg.startsWith('--config=')) {
      value = arg.slice('--config='.length);
      if (value === '')
        throw new ConfigError('--config needs a path: --config=/path/to/config.ini', { key: '--config' });
    } else {
      continue;
    }
    if (given !== undefined)
      throw new ConfigError('--config is given twice; give it once', { key: '--config' });
    given = value;
  }
  if (given !== undefined) return { path: path.resolve(cwd, given), explicit: true, from: '--config' };
  const fromEnv = env['PORTICO_CONFIG'];
  if (fromEnv !== undefined) {
    if (fromEnv.trim() === '') {
      throw new ConfigError('PORTICO_CONFIG is set but empty; unset it or give the path of config.ini', {
        key: 'PORTICO_CONFIG',
      });
    }
    return { path: path.resolve(cwd, fromEnv), explicit: true, from: 'PORTICO_CONFIG' };
  }
  return { path: path.resolve(cwd, DEFAULT_CONFIG_FILE), explicit: false, from: 'default' };
}

function fileInfo(text: string | undefined, filePath: string, options: ParseOptions): ConfigFileInfo {
  const from = options.from ?? 'default';
  return { path: filePath, exists: text !== undefined, explicit: from !== 'default', from };
}

function sectionLabel(file: string, section: string): string {
  return `${file} [${section}]`;
}

function displayField(spec: FieldSpec, raw: string): string {
  if (!spec.sensitive) return showValue(raw);
  return showValue(/^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? maskUrlPassword(raw) : maskSecret(raw));
}

/** Reads the fields of one section from the ini file and the environment (env wins). */
function readFields(
  fields: Fields,
  section: IniSection | undefined,
  sectionName: string,
  file: string,
  env: Env,
): { values: Record<string, unknown>; sources: Record<string, ValueSource> } {
  const byIniKey = new Map(Object.entries(fields).map(([prop, spec]) => [spec.iniKey, { prop, spec }]));
  const allowedKeys = [...byIniKey.keys()].join(', ');
  const values: Record<string, unknown> = {};
  const sources: Record<string, ValueSource> = {};
  const label = sectionLabel(file, sectionName);

  for (const entry of section?.entries.values() ?? []) {
    const known = byIniKey.get(entry.key);
    if (!known) {
      const guess = closest(entry.key, [...byIniKey.keys()]);
      throw new ConfigError(
        `config file ${file} line ${entry.line}: unknown key "${entry.key}" in [${sectionName}]; ${
          guess ? `did you mean "${guess}"? ` : ''
        }allowed: ${allowedKeys}`,
        { key: entry.key, layer: label, file, line: entry.line, allowed: allowedKeys },
      );
    }
    const where = `${label} line ${entry.line}`;
    values[known.prop] = parseField(known.spec, entry.value, where, { layer: label, file, line: entry.line });
    sources[known.spec.iniKey] = { origin: 'ini', source: where, line: entry.line };
  }
  for (const [prop, spec] of Object.entries(fields)) {
    const raw = env[spec.env];
    if (raw !== undefined) {
      const where = `env ${spec.env}`;
      values[prop] = parseField(spec, raw, where, { layer: where });
      sources[spec.iniKey] = { origin: 'env', source: where };
    }
    if (values[prop] === undefined && spec.default !== undefined) values[prop] = spec.default;
  }
  return { values, sources };
}

function parseField(
  spec: FieldSpec,
  raw: string,
  where: string,
  details: { layer: string; file?: string; line?: number },
): unknown {
  const result = checkField(spec, raw);
  if (result.ok) return result.value;
  throw new ConfigError(
    `invalid ${spec.iniKey} in ${where}: ${displayField(spec, raw)} ${result.reason}; allowed: ${spec.allowed}`,
    { key: spec.iniKey, ...details, allowed: spec.allowed },
  );
}

/** Rejects PORTICO_* variables that are neither configuration nor allow-listed: a typo must not be ignored. */
function checkEnvNames(
  env: Env,
  known: ReadonlySet<string>,
  allow: EnvAllowList,
  offered: readonly string[] = [...known],
): void {
  const names = new Set([...(allow.names ?? []), 'PORTICO_CONFIG']);
  const prefixes = allow.prefixes ?? [];
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || !name.startsWith('PORTICO_')) continue;
    if (known.has(name) || names.has(name) || prefixes.some((p) => name.startsWith(p))) continue;
    const guess = closest(
      name.slice('PORTICO_'.length),
      offered.map((k) => k.slice('PORTICO_'.length)),
    );
    const allowed = [...offered].sort().join(', ');
    throw new ConfigError(
      `unknown environment variable ${name}; ${guess ? `did you mean PORTICO_${guess}? ` : ''}known: ${allowed}`,
      { key: name, layer: `env ${name}`, allowed },
    );
  }
}

function readSettings(
  section: IniSection | undefined,
  file: string,
  env: Env,
): Record<string, LocalSettingEntry> {
  const layer = sectionLabel(file, 'settings');
  const entries: Record<string, LocalSettingEntry> = {};
  for (const entry of section?.entries.values() ?? []) {
    const origin = { layer, file, line: entry.line };
    if (!isSettingKey(entry.key)) throw unknownSettingError(entry.key, origin);
    if (settingDefinition(entry.key).scope === 'cluster') throw clusterOnlyError(entry.key, origin);
    entries[entry.key] = {
      value: validateSettingValue(entry.key, entry.value, origin),
      origin: 'ini',
      source: `${layer} line ${entry.line}`,
      file,
      line: entry.line,
    };
  }
  for (const key of SETTING_KEYS) {
    const name = settingEnvName(key);
    const raw = env[name];
    if (raw === undefined) continue;
    const origin = { layer: `env ${name}` };
    if (settingDefinition(key).scope === 'cluster') throw clusterOnlyError(key, origin);
    const shadowed = entries[key];
    entries[key] = {
      value: validateSettingValue(key, raw, origin),
      origin: 'env',
      source: origin.layer,
      ...(shadowed ? { overrides: { source: shadowed.source, value: shadowed.value } } : {}),
    };
  }
  return entries;
}

function settingsEnvNames(): string[] {
  return SETTING_KEYS.map(settingEnvName);
}

/**
 * Parses a node's local configuration. `text` is the file's content, or undefined when the
 * (default) file does not exist; the environment alone then configures the node.
 */
export function parseLocalConfig(
  text: string | undefined,
  filePath: string,
  env: Env,
  options: ParseOptions = {},
): LocalConfig {
  const known = new Set([
    ...Object.values(MAIN_FIELDS).map((f) => f.env),
    ...Object.values(STORAGE_FIELDS).map((f) => f.env),
    ...settingsEnvNames(),
  ]);
  // Cluster-only settings' variables are recognised (to say why they are refused) but not offered.
  const offered = nodeEnvContract()
    .map((v) => v.name)
    .filter((n) => n !== 'PORTICO_CONFIG');
  checkEnvNames(env, known, options.allowEnv ?? DEFAULT_ENV_ALLOW_LIST, offered);
  const doc =
    text === undefined
      ? new Map<string, IniSection>()
      : parseIni(text, filePath, ['main', 'settings', 'storage']);
  const main = readFields(MAIN_FIELDS, doc.get('main'), 'main', filePath, env);
  const storage = readFields(STORAGE_FIELDS, doc.get('storage'), 'storage', filePath, env);
  const settings = readSettings(doc.get('settings'), filePath, env);

  // database-url is this node's override of the cluster-only db_connection_uri.
  const databaseUrl = main.values['databaseUrl'];
  const dbSource = main.sources[MAIN_FIELDS.databaseUrl.iniKey];
  if (typeof databaseUrl === 'string' && dbSource) {
    settings['db_connection_uri'] = {
      value: databaseUrl,
      origin: dbSource.origin,
      source: dbSource.source,
      via: MAIN_FIELDS.databaseUrl.iniKey,
      ...(dbSource.origin === 'ini' ? { file: filePath, line: dbSource.line } : {}),
    };
  }

  return {
    file: fileInfo(text, filePath, options),
    main: main.values as unknown as MainConfig,
    storage: storage.values,
    settings,
    sources: { ...main.sources, ...storage.sources },
  };
}

/**
 * Parses the control plane's configuration: the [control-plane] section of its config.ini and
 * PORTICO_HTTP_HOST, PORTICO_HTTP_PORT, PORTICO_DATABASE_URL, PORTICO_ADMIN_TOKEN,
 * PORTICO_REDIS_URL, PORTICO_LOG_LEVEL. A database URL is required.
 */
export function parseControlPlaneConfig(
  text: string | undefined,
  filePath: string,
  env: Env,
  options: ParseOptions = {},
): ControlPlaneConfig {
  checkEnvNames(
    env,
    new Set(Object.values(CONTROL_PLANE_FIELDS).map((f) => f.env)),
    options.allowEnv ?? DEFAULT_ENV_ALLOW_LIST,
  );
  const doc =
    text === undefined ? new Map<string, IniSection>() : parseIni(text, filePath, ['control-plane']);
  const { values, sources } = readFields(
    CONTROL_PLANE_FIELDS,
    doc.get('control-plane'),
    'control-plane',
    filePath,
    env,
  );
  if (typeof values['databaseUrl'] !== 'string') {
    throw new ConfigError(
      `no database configured for the control plane: set database-url in [control-plane] of ${filePath} or PORTICO_DATABASE_URL (postgres://user:password@host:port/db)`,
      { key: 'database-url', file: filePath, allowed: CONTROL_PLANE_FIELDS.databaseUrl.allowed },
    );
  }
  return {
    file: fileInfo(text, filePath, options),
    ...(values as Omit<ControlPlaneConfig, 'file' | 'sources'>),
    sources,
  };
}

/** Every PORTICO_* variable a node reads, for documentation and `portico doctor`. */
export function nodeEnvContract(): { name: string; meaning: string }[] {
  return [
    { name: 'PORTICO_CONFIG', meaning: 'path of config.ini' },
    ...Object.values(MAIN_FIELDS).map((f) => ({ name: f.env, meaning: `[main] ${f.iniKey}` })),
    ...Object.values(STORAGE_FIELDS).map((f) => ({ name: f.env, meaning: `[storage] ${f.iniKey}` })),
    ...SETTING_KEYS.filter((k) => settingDefinition(k).scope === 'any').map((k) => ({
      name: settingEnvName(k),
      meaning: `[settings] ${k}`,
    })),
  ];
}
