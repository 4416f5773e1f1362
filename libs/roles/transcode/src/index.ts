// Public API of the TRANSCODE role (SPEC 2.6): the Nest module the apps compose, and its parts.
// Tests import the handler and support files directly (this file loads Nest).
export { TranscodeRoleModule } from './transcode-role.module';
export {
  TranscodeHandler,
  type TranscodeOutput,
  type TranscodeOutputFile,
} from './handlers/transcode.handler.provider';
export {
  TranscodeServices,
  type TranscodeServicesInit,
  type TranscodeLogger,
} from './support/transcode-services';
export { OutputFiles } from './support/output-files';
export { NodeOutputFiles } from './support/output-files.adapter';
export { ProxyStoreLocator } from './stores/proxy-store-locator';
export { ControlPlaneProxyStoreLocator } from './stores/control-plane-proxy-store.adapter';
export { OUTPUTS_ROOT, formatKindOf, objectKeyOf, outputFolder } from './support/output-layout';
export { UnknownProfileError } from './support/transcode-errors';
