export { ROLES, isRole, type Role } from './roles';
export { ConfigError, SettingsError, type ConfigErrorDetails } from './errors';
export { maskSecret, maskUrlPassword } from './mask';
export {
  CHECKSUM_ALGORITHMS,
  DEFAULT_TRANSCODE_PROFILES,
  SETTINGS,
  SETTING_KEYS,
  defaultSettings,
  isSettingKey,
  settingDefinition,
  settingEnvName,
  splitList,
  type ChecksumAlgorithm,
  type SettingDefinition,
  type SettingKey,
  type SettingScope,
  type SettingTarget,
  type SettingValues,
  type TranscodeProfiles,
} from './settings.catalogue';
export {
  CLUSTER_LAYER_LABEL,
  LAYERS,
  NODE_LAYER_LABEL,
  diffSettings,
  displaySettingValue,
  resolveSettings,
  validateSettingValue,
  type ExplainedLayer,
  type LayerName,
  type LocalSettingEntry,
  type LocalSettingsLayer,
  type RemoteSettingsLayer,
  type ResolvedSettings,
  type SettingExplanation,
  type SettingsLayers,
  type ValueOrigin,
  type WinningLayer,
} from './resolver';
export {
  createSettingsState,
  type SettingsChange,
  type SettingsListener,
  type SettingsState,
  type SettingsStateOptions,
} from './settings-state';
export { LOG_LEVELS, type LogLevel } from './config-fields';
export {
  DEFAULT_CONFIG_FILE,
  DEFAULT_ENV_ALLOW_LIST,
  nodeEnvContract,
  parseControlPlaneConfig,
  parseLocalConfig,
  resolveConfigPath,
  type ConfigFileInfo,
  type ControlPlaneConfig,
  type Env,
  type EnvAllowList,
  type LocalConfig,
  type MainConfig,
  type ParseOptions,
  type StorageConfig,
  type ValueSource,
} from './local-config';
export { loadControlPlaneConfig, loadLocalConfig, type LoadConfigInput } from './local-config.adapter';
export {
  ControlPlaneSettingsSource,
  settingsChannel,
  type ControlPlaneSettingsSourceOptions,
} from './control-plane-source.adapter';
