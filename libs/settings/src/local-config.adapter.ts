import { readFileSync } from 'node:fs';
import { ConfigError } from './errors';
import {
  parseControlPlaneConfig,
  parseLocalConfig,
  resolveConfigPath,
  type ControlPlaneConfig,
  type Env,
  type EnvAllowList,
  type LocalConfig,
} from './local-config';

/** The one place this lib touches the file system: reading config.ini. */

export interface LoadConfigInput {
  /** Command-line arguments (process.argv.slice(2)); only --config is read. */
  readonly argv: readonly string[];
  readonly env: Env;
  readonly cwd: string;
  readonly allowEnv?: EnvAllowList;
}

/**
 * Reads the file `resolveConfigPath` picks. A file named by --config or PORTICO_CONFIG must
 * exist; the default ./config.ini may be absent (the environment then configures everything).
 */
function readConfigFile(input: LoadConfigInput) {
  const chosen = resolveConfigPath(input.argv, input.env, input.cwd);
  let text: string | undefined;
  try {
    text = readFileSync(chosen.path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && !chosen.explicit) {
      text = undefined;
    } else if (code === 'ENOENT') {
      throw new ConfigError(
        `config file ${chosen.path} not found (from ${chosen.from}); check the path, or leave ${chosen.from} out to use ./config.ini and PORTICO_* variables`,
        { file: chosen.path },
      );
    } else {
      const why =
        code === 'EACCES'
          ? 'permission denied'
          : code === 'EISDIR'
            ? 'it is a directory'
            : (code ?? 'read failed');
      throw new ConfigError(`config file ${chosen.path} cannot be read (${why}; from ${chosen.from})`, {
        file: chosen.path,
      });
    }
  }
  return { text, path: chosen.path, from: chosen.from };
}

/** A node's local configuration: config.ini + PORTICO_* environment, validated. Throws ConfigError or SettingsError. */
export function loadLocalConfig(input: LoadConfigInput): LocalConfig {
  const file = readConfigFile(input);
  return parseLocalConfig(file.text, file.path, input.env, {
    from: file.from,
    ...(input.allowEnv ? { allowEnv: input.allowEnv } : {}),
  });
}

/** The control plane's configuration ([control-plane] section + environment). Throws ConfigError. */
export function loadControlPlaneConfig(input: LoadConfigInput): ControlPlaneConfig {
  const file = readConfigFile(input);
  return parseControlPlaneConfig(file.text, file.path, input.env, {
    from: file.from,
    ...(input.allowEnv ? { allowEnv: input.allowEnv } : {}),
  });
}
