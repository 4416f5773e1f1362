import { SettingsError } from './errors';
import { maskSecret, maskUrlPassword } from './mask';
import {
  SETTING_KEYS,
  SETTINGS,
  isSettingKey,
  settingDefinition,
  type SettingDefinition,
  type SettingKey,
  type SettingValues,
} from './settings.catalogue';
import { checkValue, closest, sameValue, showValue } from './values';

/**
 * The precedence resolver (SPEC 2.3): local (config.ini + PORTICO_* env, env winning within
 * the layer) → node → cluster → built-in default; the first layer that sets a key wins.
 * Pure: layers in, typed values and their provenance out.
 */

export type LayerName = 'local' | 'node' | 'cluster';
export type WinningLayer = LayerName | 'default';

/** Highest precedence first. */
export const LAYERS: readonly LayerName[] = ['local', 'node', 'cluster'];

export const NODE_LAYER_LABEL = 'node settings';
export const CLUSTER_LAYER_LABEL = 'cluster settings';

/** One value of the local layer, with where it came from. */
export interface LocalSettingEntry {
  readonly value: unknown;
  readonly origin: 'ini' | 'env';
  /** Human label, e.g. "config.ini [settings] line 3" or "env PORTICO_CHECKSUM_MAX_WORKERS". */
  readonly source: string;
  readonly file?: string;
  readonly line?: number;
  /** Set when the value came from a [main] key standing in for a cluster-only setting (database-url). */
  readonly via?: string;
  /** The config.ini value the environment variable replaced, if both were set. */
  readonly overrides?: { readonly source: string; readonly value: unknown };
}

export type LocalSettingsLayer = Readonly<Record<string, LocalSettingEntry>>;
/** Node or cluster settings as the control plane holds them (JSON). null or undefined = not set. */
export type RemoteSettingsLayer = Readonly<Record<string, unknown>>;

export interface SettingsLayers {
  readonly local?: LocalSettingsLayer;
  readonly node?: RemoteSettingsLayer;
  readonly cluster?: RemoteSettingsLayer;
}

export interface ExplainedLayer {
  readonly layer: WinningLayer;
  /** Display-safe: masked for sensitive keys; undefined when the layer does not set the key. */
  readonly value: unknown;
  readonly set: boolean;
  readonly source?: string;
  readonly overrides?: { readonly source: string; readonly value: unknown };
}

export interface SettingExplanation {
  readonly key: SettingKey;
  /** Display-safe effective value. */
  readonly value: unknown;
  readonly winner: WinningLayer;
  readonly sensitive: boolean;
  readonly allowed: string;
  /** Every layer, highest precedence first, ending with the default. */
  readonly layers: readonly ExplainedLayer[];
}

export interface ResolvedSettings {
  readonly values: Readonly<SettingValues>;
  /** The validated layers these values were resolved from. */
  readonly layers: SettingsLayers;
  get<K extends SettingKey>(key: K): SettingValues[K];
  winner(key: SettingKey): WinningLayer;
  explain(key: SettingKey): SettingExplanation;
  explainAll(): SettingExplanation[];
}

/** Where a value is being validated, for the error message. */
export interface ValueOrigin {
  readonly layer: string;
  readonly file?: string;
  readonly line?: number;
}

/** How a setting's value may be shown: masked when sensitive. */
export function displaySettingValue(key: SettingKey, value: unknown): unknown {
  const def = settingDefinition(key);
  if (!def.sensitive || value === undefined) return value;
  return typeof value === 'string' ? maskSensitive(value) : '****';
}

function maskSensitive(value: string): string {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? maskUrlPassword(value) : maskSecret(value);
}

/** Validates one value of one setting; throws a SettingsError naming key, layer, value and what is allowed. */
export function validateSettingValue<K extends SettingKey>(
  key: K,
  raw: unknown,
  origin: ValueOrigin,
): SettingValues[K] {
  const def = settingDefinition(key);
  const result = checkValue(def.schema, raw);
  if (result.ok) return result.value as SettingValues[K];
  const shown = def.sensitive
    ? showValue(displaySettingValue(key, typeof raw === 'string' ? raw : '****'))
    : showValue(raw);
  throw new SettingsError(
    `invalid ${key} in ${describeOrigin(origin)}: ${shown} ${result.reason}; allowed: ${def.allowed}`,
    { key, layer: origin.layer, file: origin.file, line: origin.line, allowed: def.allowed },
  );
}

function describeOrigin(origin: ValueOrigin): string {
  return origin.line !== undefined && !origin.layer.includes(' line ')
    ? `${origin.layer} line ${origin.line}`
    : origin.layer;
}

/** Rejects a key that is not in the catalogue, with a "did you mean" when one is close. */
export function unknownSettingError(key: string, origin: ValueOrigin): SettingsError {
  const guess = closest(key, SETTING_KEYS);
  const hint = guess ? `did you mean ${guess}? ` : '';
  const allowed = SETTING_KEYS.join(', ');
  return new SettingsError(
    `unknown setting "${key}" in ${describeOrigin(origin)}; ${hint}known settings: ${allowed}`,
    {
      key,
      layer: origin.layer,
      file: origin.file,
      line: origin.line,
      allowed,
    },
  );
}

/** Rejects a cluster-only setting outside the cluster layer. */
export function clusterOnlyError(key: SettingKey, origin: ValueOrigin): SettingsError {
  const def = settingDefinition(key);
  const local = def.localOverride
    ? `, or override it on one node with [main] ${def.localOverride.iniKey} / ${def.localOverride.env}`
    : '';
  const allowed = `cluster settings only${local}`;
  return new SettingsError(
    `${key} is cluster-only and cannot be set in ${describeOrigin(origin)}; set it in ${allowed}`,
    {
      key,
      layer: origin.layer,
      file: origin.file,
      line: origin.line,
      allowed,
    },
  );
}

function validateLocal(layer: LocalSettingsLayer): LocalSettingsLayer {
  const out: Record<string, LocalSettingEntry> = {};
  for (const [key, entry] of Object.entries(layer)) {
    const origin = { layer: entry.source, file: entry.file, line: entry.line };
    if (!isSettingKey(key)) throw unknownSettingError(key, origin);
    const def = settingDefinition(key);
    if (def.scope === 'cluster' && !(def.localOverride && entry.via === def.localOverride.iniKey)) {
      throw clusterOnlyError(key, origin);
    }
    out[key] = { ...entry, value: validateSettingValue(key, entry.value, origin) };
  }
  return out;
}

function validateRemote(layer: RemoteSettingsLayer, name: 'node' | 'cluster'): RemoteSettingsLayer {
  const label = name === 'node' ? NODE_LAYER_LABEL : CLUSTER_LAYER_LABEL;
  const out: Record<string, unknown> = {};
  for (const [key, raw] of Object.entries(layer)) {
    if (raw === undefined || raw === null) continue;
    if (!isSettingKey(key)) throw unknownSettingError(key, { layer: label });
    if (name === 'node' && settingDefinition(key).scope === 'cluster')
      throw clusterOnlyError(key, { layer: label });
    out[key] = validateSettingValue(key, raw, { layer: label });
  }
  return out;
}

/**
 * Validates every layer and resolves every key. Throws SettingsError on the first unknown key,
 * bad value or cluster-only key outside the cluster layer; nothing partial is returned.
 */
export function resolveSettings(input: SettingsLayers = {}): ResolvedSettings {
  const layers: SettingsLayers = {
    local: validateLocal(input.local ?? {}),
    node: validateRemote(input.node ?? {}, 'node'),
    cluster: validateRemote(input.cluster ?? {}, 'cluster'),
  };
  const values: Record<string, unknown> = {};
  const winners: Record<string, WinningLayer> = {};
  for (const key of SETTING_KEYS) {
    const winner = pickWinner(layers, key);
    winners[key] = winner;
    values[key] = winner === 'default' ? SETTINGS[key].default : layerValue(layers, winner, key);
  }
  const frozen = Object.freeze(values) as Readonly<SettingValues>;

  const explain = (key: SettingKey): SettingExplanation => {
    const def: SettingDefinition = settingDefinition(key);
    const rows: ExplainedLayer[] = LAYERS.map((layer) => {
      const set = isSetIn(layers, layer, key);
      const value = set ? displaySettingValue(key, layerValue(layers, layer, key)) : undefined;
      if (layer !== 'local' || !set)
        return { layer, set, value, ...(set ? { source: remoteLabel(layer) } : {}) };
      const entry = layers.local?.[key];
      return {
        layer,
        set,
        value,
        ...(entry ? { source: entry.source } : {}),
        ...(entry?.overrides
          ? {
              overrides: {
                source: entry.overrides.source,
                value: displaySettingValue(key, entry.overrides.value),
              },
            }
          : {}),
      };
    });
    rows.push({
      layer: 'default',
      set: def.default !== undefined,
      value: displaySettingValue(key, def.default),
      source: 'built-in default',
    });
    return {
      key,
      value: displaySettingValue(key, frozen[key]),
      winner: winners[key] ?? 'default',
      sensitive: def.sensitive,
      allowed: def.allowed,
      layers: rows,
    };
  };

  return {
    values: frozen,
    layers,
    get: (key) => frozen[key],
    winner: (key) => winners[key] ?? 'default',
    explain,
    explainAll: () => SETTING_KEYS.map(explain),
  };
}

function remoteLabel(layer: LayerName): string {
  return layer === 'node' ? NODE_LAYER_LABEL : CLUSTER_LAYER_LABEL;
}

function isSetIn(layers: SettingsLayers, layer: LayerName, key: SettingKey): boolean {
  const source = layers[layer];
  return source !== undefined && Object.hasOwn(source, key);
}

function layerValue(layers: SettingsLayers, layer: LayerName, key: SettingKey): unknown {
  if (layer === 'local') return layers.local?.[key]?.value;
  return layers[layer]?.[key];
}

function pickWinner(layers: SettingsLayers, key: SettingKey): WinningLayer {
  return LAYERS.find((layer) => isSetIn(layers, layer, key)) ?? 'default';
}

/** Keys whose effective value differs between two resolutions (structural comparison). */
export function diffSettings(
  a: ResolvedSettings | Readonly<SettingValues>,
  b: ResolvedSettings | Readonly<SettingValues>,
): SettingKey[] {
  const va = 'values' in a && 'get' in a ? a.values : a;
  const vb = 'values' in b && 'get' in b ? b.values : b;
  return SETTING_KEYS.filter((key) => !sameValue((va as SettingValues)[key], (vb as SettingValues)[key]));
}
