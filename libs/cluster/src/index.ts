// Public API of the cluster library. Each area exports from its own section; add lines to
// your section only.

// --- election, fencing, clock (leader election with terms; fenced leader-only writes) ---
export * from './election/election-timing';
export * from './election/election-state';
export * from './election/lease-store';
export { LeaseRepository, type LeaseRepositoryOptions } from './election/lease.repository';
export { NodeOfflineMarker, MARK_OFFLINE_ACTION } from './election/node-offline-marker';
export { NodeOfflineRepository } from './election/node-offline.repository';
export * from './election/leader-elector';
export * from './election/leader-elector.provider';
export * from './fencing/fence';
export { withFence, fencedQuery } from './fencing/fence.repository';
export { MonotonicClock, systemMonotonicClock } from './clock/monotonic-clock';
export * from './clock/clock-skew';
export { DatabaseClockRepository } from './clock/database-clock.repository';

// --- health (dependency checks with hysteresis) ---
export * from './health';

// --- identity (which node this process is) ---
export { proposedNodeName } from './identity/node-name';
export {
  resolveNodeIdentity,
  type IdentitySource,
  type NodeIdentity,
} from './identity/node-identity.adapter';
