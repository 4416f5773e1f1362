import {
  Body,
  Controller,
  Get,
  HttpCode,
  Inject,
  Param,
  Post,
  Query,
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import { ApiAcceptedResponse, ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  ApproveRemovalsBody,
  RemovalApproval,
  RemovalList,
  RemovalQuery,
  type Storage,
} from '@portico/control-plane-client';
import type { Logger } from 'pino';
import type { z } from 'zod';
import {
  BearerAuthGuard,
  CurrentPrincipal,
  forbidUnlessMember,
  RequireAccess,
} from '../auth/bearer-auth.provider';
import { type Principal } from '../auth/permissions';
import { ClustersRepository } from '../clusters/clusters.repository';
import { ApiErrorFilter } from '../common/api-error.provider';
import { ConflictError, type FieldProblem, InvalidRequestError, NotFoundError } from '../common/api-errors';
import { openApiSchema } from '../common/openapi';
import { UuidPipe, ZodPipe } from '../common/zod.provider';
import { CP_LOGGER } from '../injection';
import { StoragesRepository } from '../storages/storages.repository';
import { decodeRemovalCursor, encodeRemovalCursor, splitStoragePath } from './removal-paths';
import { RemovalsRepository } from './removals.repository';

/** Approvals shown with the list: the open ones and the last applied ones. */
const APPROVALS_SHOWN = 10;
/** Named paths that are not pending are reported up to this many (a 400 names each). */
const PROBLEMS_SHOWN = 20;

/**
 * Held removals (SPEC 2.3, 2.5): above `max_deletions_per_scan` a scan takes no file for removed
 * and holds them for an operator. Listing shows them; approving records an approval that the
 * cluster's leader applies between two scans, under its term, once the storage is healthy and its
 * sentinel present. Every approval stays as a row: who, when, how many, and what came of it.
 */
@ApiTags('storages')
@Controller('api/v1/clusters/:clusterId/storages/:storageId/removals')
@UseGuards(BearerAuthGuard)
@UseFilters(ApiErrorFilter)
@RequireAccess('admin')
export class RemovalsController {
  constructor(
    private readonly removals: RemovalsRepository,
    private readonly clusters: ClustersRepository,
    private readonly storages: StoragesRepository,
    @Inject(CP_LOGGER) private readonly logger: Logger,
  ) {}

  @Get()
  @RequireAccess('member')
  @ApiOperation({
    summary:
      'Held removals: how many, a page of paths in path order (cursor-paged), the latest approvals (admin, or a node token of this cluster)',
  })
  @ApiOkResponse({ schema: openApiSchema(RemovalList) })
  async list(
    @Param('clusterId', UuidPipe) clusterId: string,
    @Param('storageId', UuidPipe) storageId: string,
    @Query(new ZodPipe(RemovalQuery, 'query')) query: z.output<typeof RemovalQuery>,
    @CurrentPrincipal() principal: Principal,
  ): Promise<RemovalList> {
    forbidUnlessMember(principal, clusterId);
    await this.requireStorage(clusterId, storageId);
    let after: string | undefined;
    if (query.cursor !== undefined) {
      after = decodeRemovalCursor(query.cursor);
      if (after === undefined)
        throw new InvalidRequestError([
          { path: 'cursor', message: 'must be a nextCursor returned by this route' },
        ]);
    }
    const [pending, items, approvals] = await Promise.all([
      this.removals.countHeld(clusterId),
      this.removals.listHeld(clusterId, storageId, after ? splitStoragePath(after) : null, query.limit),
      this.removals.latestApprovals(storageId, APPROVALS_SHOWN),
    ]);
    const last = items.at(-1);
    return {
      clusterId,
      storageId,
      pending,
      items,
      nextCursor: items.length === query.limit && last ? encodeRemovalCursor(last.path) : null,
      approvals,
    };
  }

  @Post('approve')
  @HttpCode(202)
  @ApiOperation({
    summary:
      'Approve held removals (all, or named paths / catalog file ids); the leader applies the approval between two scans',
  })
  @ApiBody({ schema: openApiSchema(ApproveRemovalsBody, 'input') })
  @ApiAcceptedResponse({ schema: openApiSchema(RemovalApproval) })
  async approve(
    @Param('clusterId', UuidPipe) clusterId: string,
    @Param('storageId', UuidPipe) storageId: string,
    @Body(new ZodPipe(ApproveRemovalsBody)) body: z.output<typeof ApproveRemovalsBody>,
    @CurrentPrincipal() principal: Principal,
  ): Promise<RemovalApproval> {
    const storage = await this.requireStorage(clusterId, storageId);
    const requestedBy = principal.tokenId ?? 'admin';
    let approval: RemovalApproval | undefined;
    if (body.all) {
      approval = await this.removals.approveAll(clusterId, storageId, requestedBy);
      if (!approval)
        throw new ConflictError(
          `no removals are pending on storage ${storage.name} (${storageId}): there is nothing to approve`,
        );
    } else {
      const paths = await this.namedPaths(clusterId, storage, body);
      approval = await this.removals.approvePaths(clusterId, storageId, paths, requestedBy);
    }
    this.logger.info(
      {
        clusterId,
        storageId,
        approvalId: approval.id,
        requestedBy,
        all: approval.all,
        pathCount: approval.pathCount,
        pendingAtRequest: approval.pendingAtRequest,
      },
      'held removals approved; the leader applies them between two scans',
    );
    return approval;
  }

  /** 404 unless the storage exists in the cluster. */
  private async requireStorage(clusterId: string, storageId: string): Promise<Storage> {
    if (!(await this.clusters.get(clusterId))) throw new NotFoundError(`cluster ${clusterId} not found`);
    const storage = await this.storages.get(storageId);
    if (!storage || storage.clusterId !== clusterId)
      throw new NotFoundError(`storage ${storageId} not found in cluster ${clusterId}`);
    return storage;
  }

  /** The paths an approval names (file ids resolved), each checked to be a pending removal. */
  private async namedPaths(
    clusterId: string,
    storage: Storage,
    body: z.output<typeof ApproveRemovalsBody>,
  ): Promise<string[]> {
    const named: Array<{ field: string; path: string }> = (body.paths ?? []).map((path, index) => ({
      field: `paths.${index}`,
      path,
    }));
    const problems: FieldProblem[] = [];
    if (body.fileIds) {
      const found = await this.removals.filePaths(clusterId, storage.id, body.fileIds);
      found.forEach((path, index) => {
        if (path === null)
          problems.push({
            path: `fileIds.${index}`,
            message: `no file of storage ${storage.name} has the id ${body.fileIds![index]}`,
          });
        else named.push({ field: `fileIds.${index}`, path });
      });
    }
    if (problems.length > 0) throw new InvalidRequestError(problems);
    const unique = [...new Map(named.map((entry) => [entry.path, entry])).values()];
    const missing = await this.removals.notHeld(
      clusterId,
      unique.map((entry) => splitStoragePath(entry.path)),
      PROBLEMS_SHOWN,
    );
    if (missing.length > 0)
      throw new InvalidRequestError(
        missing.map((index) => ({
          path: unique[index]!.field,
          message:
            `${unique[index]!.path} is not a pending removal of storage ${storage.name} (the file may be back, ` +
            'or its removal was applied already); list the pending ones with GET .../removals',
        })),
      );
    return unique.map((entry) => entry.path);
  }
}
