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
import { ApiBody, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { CatalogRepository, EventsRepository, isSeqCursor } from '@portico/catalog';
import {
  CatalogEvent,
  CreateEventBody,
  EVENT_KINDS,
  EVENT_STATES,
  EventQuery,
  Page,
} from '@portico/control-plane-client';
import { Pool } from 'pg';
import type { z } from 'zod';
import {
  BearerAuthGuard,
  CurrentPrincipal,
  forbidUnlessMember,
  RequireAccess,
} from '../auth/bearer-auth.provider';
import { type Principal } from '../auth/permissions';
import { eventView } from '../catalog/catalog-view';
import { ClustersRepository } from '../clusters/clusters.repository';
import { ApiErrorFilter } from '../common/api-error.provider';
import { ConflictError, InvalidRequestError, NotFoundError } from '../common/api-errors';
import { openApiSchema } from '../common/openapi';
import { UuidPipe, ZodPipe } from '../common/zod.provider';
import { CP_DB } from '../injection';
import { ObjectStoresRepository } from '../object-stores/object-stores.repository';
import { StoragesRepository } from '../storages/storages.repository';
import { judgeEvent } from './event-rules';

type EventPage = { items: CatalogEvent[]; nextCursor: string | null };

/**
 * Events (SPEC 1, 2.5): actions requested for a cluster — transcode, archive, restore, delete,
 * export, rescan. They are queued here; the cluster's leader claims each one under its term and
 * turns it into jobs exactly once.
 */
@ApiTags('events')
@Controller('api/v1')
@UseGuards(BearerAuthGuard)
@UseFilters(ApiErrorFilter)
@RequireAccess('admin')
export class EventsController {
  constructor(
    @Inject(CP_DB) private readonly pool: Pool,
    private readonly events: EventsRepository,
    private readonly catalog: CatalogRepository,
    private readonly clusters: ClustersRepository,
    private readonly storages: StoragesRepository,
    private readonly objectStores: ObjectStoresRepository,
  ) {}

  @Post('clusters/:clusterId/events')
  @HttpCode(201)
  @ApiOperation({
    summary:
      'Request an action; its targets must be in the cluster, and the cluster able to do it (else 409)',
  })
  @ApiBody({ schema: openApiSchema(CreateEventBody, 'input') })
  @ApiCreatedResponse({ schema: openApiSchema(CatalogEvent) })
  async create(
    @Param('clusterId', UuidPipe) clusterId: string,
    @Body(new ZodPipe(CreateEventBody)) body: z.output<typeof CreateEventBody>,
    @CurrentPrincipal() principal: Principal,
  ): Promise<CatalogEvent> {
    if (!(await this.clusters.get(clusterId))) throw new NotFoundError(`cluster ${clusterId} not found`);
    const [storage] = await this.storages.listByCluster(clusterId);
    const verdict = judgeEvent(body, {
      storage,
      objectStores: (await this.objectStores.listByCluster(clusterId)).map((stored) => stored.store),
      missing: await this.catalog.missingTargets(this.pool, clusterId, body.assetIds, body.fileIds),
    });
    if (!verdict.ok)
      throw 'fields' in verdict
        ? new InvalidRequestError(verdict.fields)
        : new ConflictError(verdict.conflict);
    const event = await this.events.create(this.pool, {
      clusterId,
      kind: body.kind,
      assetIds: body.assetIds,
      fileIds: body.fileIds,
      parameters: body.parameters,
      createdBy: principal.tokenId ?? 'admin',
    });
    return eventView(event);
  }

  @Get('clusters/:clusterId/events')
  @RequireAccess('member')
  @ApiOperation({
    summary: "A cluster's events, newest first, cursor-paged (admin, or a node token of this cluster)",
  })
  @ApiQuery({ name: 'state', required: false, enum: EVENT_STATES })
  @ApiQuery({ name: 'kind', required: false, enum: EVENT_KINDS })
  @ApiQuery({ name: 'cursor', required: false })
  @ApiQuery({ name: 'limit', required: false, type: Number })
  @ApiOkResponse({ schema: openApiSchema(Page(CatalogEvent)) })
  async list(
    @Param('clusterId', UuidPipe) clusterId: string,
    @Query(new ZodPipe(EventQuery, 'query')) query: z.output<typeof EventQuery>,
    @CurrentPrincipal() principal: Principal,
  ): Promise<EventPage> {
    forbidUnlessMember(principal, clusterId);
    if (!(await this.clusters.get(clusterId))) throw new NotFoundError(`cluster ${clusterId} not found`);
    if (query.cursor !== undefined && !isSeqCursor(query.cursor))
      throw new InvalidRequestError([
        { path: 'cursor', message: 'must be a nextCursor returned by this route' },
      ]);
    const page = await this.events.list(this.pool, { ...query, clusterId });
    return { items: page.items.map(eventView), nextCursor: page.nextCursor };
  }

  @Get('events/:id')
  @RequireAccess('member')
  @ApiOperation({ summary: 'An event and how far it got (admin, or a node token of its cluster)' })
  @ApiOkResponse({ schema: openApiSchema(CatalogEvent) })
  async get(
    @Param('id', UuidPipe) id: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<CatalogEvent> {
    const event = await this.events.get(this.pool, id);
    forbidUnlessMember(principal, event?.clusterId);
    if (!event) throw new NotFoundError(`event ${id} not found`);
    return eventView(event);
  }
}
