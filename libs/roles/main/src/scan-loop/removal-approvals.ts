// The leader applies operators' approvals of held removals (recorded by the control plane) between
// two scans. Before each one it re-checks what the scanner checks before any removal: the storage
// health check passes and the sentinel names this cluster's storage. If not, the approval waits,
// with the reason on its row (the API and `portico status` show it) and one warning in the log.
import { type FenceContext, type FenceOptions, withFence } from '@portico/cluster';
import type { Pool } from 'pg';
import { type ApprovalResult, type ApproveOptions, RemovalsNotAppliedError } from '../scan/scanner';
import { type OpenApproval, RemovalApprovalsRepository } from './removal-approvals.repository';

export interface ApprovalsLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}

export interface RemovalApprovalsDeps {
  readonly pool: Pool;
  /** The scanner of the cluster's storage (Scanner.approveRemovals). */
  readonly scanner: {
    approveRemovals(fence: FenceContext, options: ApproveOptions): Promise<ApprovalResult>;
  };
  /** Why the storage cannot be trusted now (its health check fails), or null when it is healthy. */
  readonly storageProblem: () => string | null;
  readonly logger: ApprovalsLogger;
  readonly fence?: FenceOptions;
}

export type ApprovalOutcome =
  | {
      readonly id: string;
      readonly state: 'applied';
      readonly removed: number;
      readonly cancelled: number;
      readonly kept: number;
    }
  | { readonly id: string; readonly state: 'waiting'; readonly reason: string };

/** Approvals read per round; more wait for the next round. */
const APPROVALS_PER_ROUND = 20;

export class RemovalApprovals {
  private readonly repository = new RemovalApprovalsRepository();

  constructor(private readonly deps: RemovalApprovalsDeps) {}

  /**
   * Applies the cluster's open approvals, oldest first, under `fence`'s term. Stops at the first
   * one that has to wait (the others would wait for the same reason). Rejects with StaleTermError
   * when the term is lost: what was committed before stays, the rest is left to the next leader.
   */
  async applyOpen(fence: FenceContext): Promise<ApprovalOutcome[]> {
    const open = await this.repository.open(this.deps.pool, fence.clusterId, APPROVALS_PER_ROUND);
    const outcomes: ApprovalOutcome[] = [];
    for (const approval of open) {
      const outcome = await this.applyOne(fence, approval);
      outcomes.push(outcome);
      if (outcome.state === 'waiting') break;
    }
    return outcomes;
  }

  private async applyOne(fence: FenceContext, approval: OpenApproval): Promise<ApprovalOutcome> {
    const problem = this.deps.storageProblem();
    if (problem !== null)
      return this.wait(
        fence,
        approval,
        `the storage health check fails (${problem}); the approval is applied once it passes again`,
      );
    const subject = `approval ${approval.id}`;
    let result: ApprovalResult;
    try {
      result = await this.deps.scanner.approveRemovals(fence, {
        ...(approval.paths ? { paths: approval.paths } : {}),
        ...(approval.upToRun !== null ? { upToRun: approval.upToRun } : {}),
        subject,
        onPage: (client, page) => this.repository.addPage(client, approval.id, page),
      });
    } catch (error) {
      if (error instanceof RemovalsNotAppliedError)
        return this.wait(
          fence,
          approval,
          `${error.reason}; the approval is applied once it is mounted again`,
        );
      throw error;
    }
    const totals = await withFence(
      this.deps.pool,
      { ...fence, action: 'removal-approval-applied', subject },
      (client) =>
        this.repository.markApplied(client, approval.id, {
          term: fence.term,
          nodeId: fence.nodeId,
          kept: result.kept,
        }),
      this.deps.fence,
    );
    const applied = totals ?? result;
    const fields = {
      approvalId: approval.id,
      requestedBy: approval.requestedBy,
      requestedAt: approval.requestedAt.toISOString(),
      all: approval.paths === null,
      ...applied,
      term: fence.term,
    };
    this.deps.logger.info(fields, 'approved removals applied');
    if (applied.kept > 0)
      this.deps.logger.warn(
        fields,
        `${applied.kept} approved removals could not be checked on the storage and are still pending; approve them again`,
      );
    return { id: approval.id, state: 'applied', ...applied };
  }

  /** Records why the approval waits, and warns once per new reason (not at every poll). */
  private async wait(fence: FenceContext, approval: OpenApproval, reason: string): Promise<ApprovalOutcome> {
    if (approval.waitingReason !== reason) {
      await withFence(
        this.deps.pool,
        { ...fence, action: 'removal-approval-waiting', subject: `approval ${approval.id}` },
        (client) => this.repository.markWaiting(client, approval.id, reason),
        this.deps.fence,
      );
      this.deps.logger.warn(
        { approvalId: approval.id, requestedBy: approval.requestedBy, term: fence.term, reason },
        `approved removals not applied: ${reason}`,
      );
    }
    return { id: approval.id, state: 'waiting', reason };
  }
}
