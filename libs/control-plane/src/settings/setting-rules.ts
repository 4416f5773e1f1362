import {
  CLUSTER_LAYER_LABEL,
  NODE_LAYER_LABEL,
  SETTING_KEYS,
  SettingsError,
  displaySettingValue,
  isSettingKey,
  settingDefinition,
  validateSettingValue,
} from '@portico/settings';
import type { FieldProblem } from '../common/api-errors';

/** The control plane stores two settings layers: per cluster and per node (SPEC 2.3). */
export type SettingsLayer = 'cluster' | 'node';

export type SettingCheck =
  | { readonly ok: true; readonly key: string; readonly value: unknown }
  | { readonly ok: false; readonly problem: FieldProblem };

function layerLabel(layer: SettingsLayer): string {
  return layer === 'cluster' ? CLUSTER_LAYER_LABEL : NODE_LAYER_LABEL;
}

/**
 * Validates one value for one layer with the settings catalogue and returns the normalised
 * value to store. A problem names the key, the layer and what is allowed; `path` is the
 * request field it is reported against.
 */
export function checkSetting(layer: SettingsLayer, key: string, raw: unknown, path: string): SettingCheck {
  const label = layerLabel(layer);
  if (!isSettingKey(key)) {
    return {
      ok: false,
      problem: {
        path,
        message: `unknown setting "${key}" in ${label}; known settings: ${SETTING_KEYS.join(', ')}`,
      },
    };
  }
  const def = settingDefinition(key);
  if (layer === 'node' && def.scope === 'cluster') {
    return {
      ok: false,
      problem: {
        path,
        message: `${key} is cluster-only and cannot be set in ${label}; set it in cluster settings`,
      },
    };
  }
  if (raw === undefined || raw === null) {
    return {
      ok: false,
      problem: { path, message: `a value for ${key} is required (DELETE the key to unset it)` },
    };
  }
  try {
    return { ok: true, key, value: validateSettingValue(key, raw, { layer: label }) };
  } catch (error) {
    if (error instanceof SettingsError) return { ok: false, problem: { path, message: error.message } };
    throw error;
  }
}

/** Validates a whole settings map (create bodies); every problem is reported, not just the first. */
export function checkSettingsMap(
  layer: SettingsLayer,
  settings: Readonly<Record<string, unknown>>,
  pathPrefix: string,
): { readonly values: Record<string, unknown>; readonly problems: FieldProblem[] } {
  const values: Record<string, unknown> = {};
  const problems: FieldProblem[] = [];
  for (const [key, raw] of Object.entries(settings)) {
    const result = checkSetting(layer, key, raw, `${pathPrefix}.${key}`);
    if (result.ok) values[key] = result.value;
    else problems.push(result.problem);
  }
  return { values, problems };
}

/** A settings layer as an admin may see it: sensitive values (db_connection_uri) masked. */
export function maskSettings(settings: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(settings)) {
    out[key] =
      isSettingKey(key) && settingDefinition(key).sensitive ? displaySettingValue(key, value) : value;
  }
  return out;
}
