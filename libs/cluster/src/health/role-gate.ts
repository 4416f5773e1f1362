import type { Role } from '@portico/settings';
import type { HealthCheckName } from './health-check';

/**
 * Which checks a role needs to take new jobs (SPEC 2.4: a worker stops taking jobs of roles that
 * need a failed dependency). Every role leases jobs from the database and works on the shared
 * storage. MAIN also needs the control plane: it publishes events and cluster status there, and
 * a leader that cannot reach it would run the cluster blind.
 *
 * | role      | database | control-plane | storage |
 * | --------- | -------- | ------------- | ------- |
 * | MAIN      | yes      | yes           | yes     |
 * | CHECKSUM  | yes      |               | yes     |
 * | TRANSCODE | yes      |               | yes     |
 * | TRANSFER  | yes      |               | yes     |
 */
export const ROLE_HEALTH_DEPENDENCIES: Readonly<Record<Role, readonly HealthCheckName[]>> = {
  MAIN: ['database', 'control-plane', 'storage'],
  CHECKSUM: ['database', 'storage'],
  TRANSCODE: ['database', 'storage'],
  TRANSFER: ['database', 'storage'],
};

export interface RoleGate {
  role: Role;
  /** Whether the role may take new jobs now (running jobs are not interrupted by the gate). */
  allowed: boolean;
  /** The monitored dependencies of the role that are down. */
  blockedBy: string[];
}

/**
 * Decides a role's gate from check statuses. A dependency the node does not monitor (e.g. no
 * control plane configured in standalone mode) does not block: the node was set up without it.
 */
export function evaluateRoleGate(role: Role, statuses: ReadonlyMap<string, 'up' | 'down'>): RoleGate {
  const blockedBy = ROLE_HEALTH_DEPENDENCIES[role].filter((name) => statuses.get(name) === 'down');
  return { role, allowed: blockedBy.length === 0, blockedBy };
}
