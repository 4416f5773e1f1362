export { ControlPlaneModule, MAX_BODY, type ControlPlaneOptions } from './control-plane.module';
export { settingsChannel, type SettingsChange } from './settings/settings-broadcast.adapter';
export { TOKEN_PREFIXES } from './auth/token-format';
