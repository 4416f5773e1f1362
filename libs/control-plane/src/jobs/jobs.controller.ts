import { Body, Controller, Get, HttpCode, Param, Post, Query, UseFilters, UseGuards } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  DeadLetterActionResult,
  DeadLetterList,
  DeadLetterQuery,
  DeadLetterSelection,
  JobDetail,
  JobsOverview,
} from '@portico/control-plane-client';
import { z } from 'zod';
import {
  BearerAuthGuard,
  CurrentPrincipal,
  forbidUnlessMember,
  RequireAccess,
} from '../auth/bearer-auth.provider';
import { type Principal } from '../auth/permissions';
import { ApiErrorFilter } from '../common/api-error.provider';
import { openApiSchema } from '../common/openapi';
import { UuidPipe, ZodPipe } from '../common/zod.provider';
import { JobsRepository } from './jobs.repository';

/** `portico jobs`: queue depths, active leases, dead letters (list, retry, discard), one job. */
@ApiTags('jobs')
@Controller('api/v1/clusters')
@UseGuards(BearerAuthGuard)
@UseFilters(ApiErrorFilter)
export class JobsController {
  constructor(private readonly jobs: JobsRepository) {}

  @Get(':id/jobs')
  @RequireAccess('member')
  @ApiOperation({ summary: "Queue depths, active leases and dead letters of a cluster's queues" })
  @ApiOkResponse({ schema: openApiSchema(JobsOverview) })
  async overview(
    @Param('id', UuidPipe) id: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<JobsOverview> {
    forbidUnlessMember(principal, id);
    return this.jobs.overview(id);
  }

  @Get(':id/jobs/dead')
  @RequireAccess('member')
  @ApiOperation({ summary: 'Dead letters with their last error, newest first (page with `before`)' })
  @ApiOkResponse({ schema: openApiSchema(DeadLetterList) })
  async dead(
    @Param('id', UuidPipe) id: string,
    @Query(new ZodPipe(DeadLetterQuery, 'query')) query: z.output<typeof DeadLetterQuery>,
    @CurrentPrincipal() principal: Principal,
  ): Promise<DeadLetterList> {
    forbidUnlessMember(principal, id);
    const items = await this.jobs.listDeadLetters(id, query);
    return { items, nextBefore: items.length === query.limit ? (items.at(-1)?.deadAt ?? null) : null };
  }

  @Post(':id/jobs/dead/retry')
  @HttpCode(200)
  @RequireAccess('admin')
  @ApiOperation({ summary: 'Send dead letters back to their queues with fresh retries' })
  @ApiBody({ schema: openApiSchema(DeadLetterSelection, 'input') })
  @ApiOkResponse({ schema: openApiSchema(DeadLetterActionResult) })
  async retry(
    @Param('id', UuidPipe) id: string,
    @Body(new ZodPipe(DeadLetterSelection)) body: DeadLetterSelection,
  ): Promise<{ count: number }> {
    return { count: await this.jobs.retry(id, body) };
  }

  @Post(':id/jobs/dead/discard')
  @HttpCode(200)
  @RequireAccess('admin')
  @ApiOperation({ summary: 'Delete dead letters for good' })
  @ApiBody({ schema: openApiSchema(DeadLetterSelection, 'input') })
  @ApiOkResponse({ schema: openApiSchema(DeadLetterActionResult) })
  async discard(
    @Param('id', UuidPipe) id: string,
    @Body(new ZodPipe(DeadLetterSelection)) body: DeadLetterSelection,
  ): Promise<{ count: number }> {
    return { count: await this.jobs.discard(id, body) };
  }

  @Get(':id/jobs/:jobId')
  @RequireAccess('member')
  @ApiOperation({ summary: 'One job: state, retries, attempts with their nodes, progress and errors' })
  @ApiOkResponse({ schema: openApiSchema(JobDetail) })
  async job(
    @Param('id', UuidPipe) id: string,
    @Param('jobId', UuidPipe) jobId: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<JobDetail> {
    forbidUnlessMember(principal, id);
    return this.jobs.job(id, jobId);
  }
}
