import { Controller, ForbiddenException, Get, Param, UseFilters, UseGuards } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ClusterStatus } from '@portico/control-plane-client';
import { BearerAuthGuard, CurrentPrincipal, RequireAccess } from '../auth/bearer-auth.provider';
import { type Principal, mayAccessCluster } from '../auth/permissions';
import { ApiErrorFilter } from '../common/api-error.provider';
import { NotFoundError } from '../common/api-errors';
import { openApiSchema } from '../common/openapi';
import { UuidPipe } from '../common/zod.provider';
import { deriveClusterStatus } from './cluster-status';
import { StatusRepository } from './status.repository';

/** What `portico status` prints: nodes, leader and term, role coverage, problems. */
@ApiTags('clusters')
@Controller('api/v1/clusters')
@UseGuards(BearerAuthGuard)
@UseFilters(ApiErrorFilter)
export class StatusController {
  constructor(private readonly status: StatusRepository) {}

  @Get(':id/status')
  @RequireAccess('member')
  @ApiOperation({ summary: "A cluster's status (admin, or a node token of this cluster)" })
  @ApiOkResponse({ schema: openApiSchema(ClusterStatus) })
  async get(
    @Param('id', UuidPipe) id: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<ClusterStatus> {
    const decision = mayAccessCluster(principal, id);
    if (!decision.allowed) throw new ForbiddenException(decision.reason);
    const input = await this.status.load(id);
    if (!input) throw new NotFoundError(`cluster ${id} not found`);
    return deriveClusterStatus(input);
  }
}
