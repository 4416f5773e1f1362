/** Injection token of the control plane's database pool. */
export const CONTROL_PLANE_POOL = Symbol('CONTROL_PLANE_POOL');
