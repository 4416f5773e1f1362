// The leader's scanner (SPEC 2.5). Wiring: construct a Scanner with a ThreadStorageWalker, a
// FileStorageSentinel and the catalogue's ScanSink; run it with the leader's fence context.
export * from './scan-sink';
export * from './scan-diff';
export * from './scan-policy';
export { buildBatch, type ScanBatch, type DirState } from './scan-batch';
export {
  Scanner,
  type ScannerDeps,
  type ScanSettings,
  type RunScanOptions,
  type ScanResult,
  type ScanLogger,
  type ApprovalResult,
} from './scanner';
export type { RunTotals } from './scan-run.repository';
export type { HeldRemoval } from './scan-removals.repository';
