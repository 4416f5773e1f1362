import { Body, Controller, ForbiddenException, HttpCode, Post, UseFilters, UseGuards } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { TelemetryAck, TelemetryReport } from '@portico/control-plane-client';
import type { z } from 'zod';
import { BearerAuthGuard, CurrentPrincipal, RequireAccess } from '../auth/bearer-auth.provider';
import { type Principal, mayActAsNode } from '../auth/permissions';
import { ApiErrorFilter } from '../common/api-error.provider';
import { openApiSchema } from '../common/openapi';
import { ZodPipe } from '../common/zod.provider';
import { ApiMetrics } from '../metrics/api-metrics';
import { TelemetryRepository } from './telemetry.repository';

/** Periodic reports of worker instances (SPEC 2.7). */
@ApiTags('telemetry')
@Controller('api/v1/telemetry')
@UseGuards(BearerAuthGuard)
@UseFilters(ApiErrorFilter)
@RequireAccess('node')
export class TelemetryController {
  constructor(
    private readonly telemetry: TelemetryRepository,
    private readonly metrics: ApiMetrics,
  ) {}

  @Post()
  @HttpCode(200)
  @ApiOperation({
    summary: "Report a worker instance's state; the answer is the status recorded for the node",
  })
  @ApiBody({ schema: openApiSchema(TelemetryReport, 'input') })
  @ApiOkResponse({ schema: openApiSchema(TelemetryAck) })
  async report(
    @CurrentPrincipal() principal: Principal,
    @Body(new ZodPipe(TelemetryReport)) report: z.output<typeof TelemetryReport>,
  ): Promise<TelemetryAck> {
    const decision = mayActAsNode(principal, report.nodeId);
    if (!decision.allowed) throw new ForbiddenException(decision.reason);
    const ack = await this.telemetry.record(report);
    this.metrics.telemetryReceived(ack.status);
    return ack;
  }
}
