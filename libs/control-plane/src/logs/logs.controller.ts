import {
  Body,
  Controller,
  ForbiddenException,
  Get,
  HttpCode,
  Param,
  Post,
  Query,
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import {
  ApiBody,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import { LogBatch, LogQuery, Page, StoredLogEntry } from '@portico/control-plane-client';
import type { z } from 'zod';
import { BearerAuthGuard, CurrentPrincipal, RequireAccess } from '../auth/bearer-auth.provider';
import type { Principal } from '../auth/permissions';
import { ApiErrorFilter } from '../common/api-error.provider';
import { InvalidRequestError, NotFoundError } from '../common/api-errors';
import { openApiSchema } from '../common/openapi';
import { UuidPipe, ZodPipe } from '../common/zod.provider';
import { ApiMetrics } from '../metrics/api-metrics';
import { levelNumber, storableLines } from './log-lines';
import { type LogPage, LogsRepository } from './logs.repository';

const CURSOR = /^[1-9]\d{0,18}$/;

/** Log lines shipped by nodes (SPEC 2.7), and reading them back. */
@ApiTags('logs')
@Controller('api/v1')
@UseGuards(BearerAuthGuard)
@UseFilters(ApiErrorFilter)
export class LogsController {
  constructor(
    private readonly logs: LogsRepository,
    private readonly metrics: ApiMetrics,
  ) {}

  @Post('logs')
  @HttpCode(204)
  @RequireAccess('node')
  @ApiOperation({ summary: "Ship a batch of the calling node's log lines" })
  @ApiBody({ schema: openApiSchema(LogBatch, 'input') })
  @ApiNoContentResponse()
  async ship(
    @CurrentPrincipal() principal: Principal,
    @Body(new ZodPipe(LogBatch)) batch: z.output<typeof LogBatch>,
  ): Promise<void> {
    if (principal.kind !== 'node') throw new ForbiddenException('needs a node token');
    const stored = await this.logs.insert(
      principal.clusterId,
      principal.nodeId,
      batch.workerId,
      storableLines(batch),
    );
    this.metrics.logLinesStored(stored);
  }

  @Get('nodes/:id/logs')
  @RequireAccess('admin')
  @ApiOperation({
    summary: "A node's log lines, newest first, cursor-paged, optionally from a minimum level",
  })
  @ApiQuery({ name: 'level', required: false, enum: ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] })
  @ApiQuery({ name: 'cursor', required: false })
  @ApiQuery({ name: 'limit', required: false, type: Number })
  @ApiOkResponse({ schema: openApiSchema(Page(StoredLogEntry)) })
  async read(
    @Param('id', UuidPipe) id: string,
    @Query(new ZodPipe(LogQuery, 'query')) query: z.output<typeof LogQuery>,
  ): Promise<LogPage> {
    if (query.cursor !== undefined && !CURSOR.test(query.cursor))
      throw new InvalidRequestError([
        { path: 'cursor', message: 'must be a nextCursor returned by this route' },
      ]);
    if (!(await this.logs.nodeExists(id))) throw new NotFoundError(`node ${id} not found`);
    return this.logs.page(id, query.level ? levelNumber(query.level) : 0, query.cursor, query.limit);
  }
}
