// The control plane's secret-key: key material for encrypting object-store secrets at rest.
// Read from PORTICO_SECRET_KEY until the [control-plane] section of config.ini has a
// `secret-key` field (libs/settings); sensitive, so it is never logged or echoed.
import { ConfigError, DEFAULT_ENV_ALLOW_LIST, type EnvAllowList } from '@portico/settings';

export const SECRET_KEY_ENV = 'PORTICO_SECRET_KEY';
const MIN_LENGTH = 32;

/** The environment names the control plane accepts besides its config fields. */
export const CONTROL_PLANE_ENV_ALLOW_LIST: EnvAllowList = {
  names: [...(DEFAULT_ENV_ALLOW_LIST.names ?? []), SECRET_KEY_ENV],
  prefixes: [...(DEFAULT_ENV_ALLOW_LIST.prefixes ?? [])],
};

/** Undefined when unset (then only env:NAME references can be stored); ConfigError when too short. */
export function secretKeyFrom(env: NodeJS.ProcessEnv): string | undefined {
  const value = env[SECRET_KEY_ENV];
  if (value === undefined || value === '') return undefined;
  if (value.length < MIN_LENGTH)
    throw new ConfigError(
      `${SECRET_KEY_ENV} is ${value.length} characters; it needs at least ${MIN_LENGTH} (e.g. \`openssl rand -base64 32\`)`,
      { key: SECRET_KEY_ENV, layer: `env ${SECRET_KEY_ENV}`, allowed: `at least ${MIN_LENGTH} characters` },
    );
  return value;
}
