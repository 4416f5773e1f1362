// Injection tokens of the control-plane API modules (values provided by ControlPlaneModule.forRoot).

/** The pg Pool (through pgBouncer in transaction mode). */
export const CP_DB = Symbol('CONTROL_PLANE_DB');
/** The app's pino logger. */
export const CP_LOGGER = Symbol('CONTROL_PLANE_LOGGER');
/** Static configuration: the bootstrap admin token and loop intervals. */
export const CP_CONFIG = Symbol('CONTROL_PLANE_CONFIG');

export interface ControlPlaneRuntimeConfig {
  /** The bootstrap admin token from the control plane's config; compared in constant time. */
  readonly adminToken: string | undefined;
  /** How often the offline sweep runs. */
  readonly offlineSweepIntervalMs: number;
}
