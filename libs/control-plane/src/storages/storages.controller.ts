import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Patch,
  Post,
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import {
  ApiBody,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { CreateStorageBody, Storage, UpdateStorageBody } from '@portico/control-plane-client';
import { z } from 'zod';
import {
  BearerAuthGuard,
  CurrentPrincipal,
  forbidUnlessMember,
  RequireAccess,
} from '../auth/bearer-auth.provider';
import { type Principal } from '../auth/permissions';
import { ClustersRepository } from '../clusters/clusters.repository';
import { ApiErrorFilter } from '../common/api-error.provider';
import { NotFoundError } from '../common/api-errors';
import { openApiSchema } from '../common/openapi';
import { UuidPipe, ZodPipe } from '../common/zod.provider';
import { StoragesRepository } from './storages.repository';

const StorageList = z.object({ items: z.array(Storage) });

/** The storage a cluster serves (SPEC 1): one per cluster, with its scan and delete policy. */
@ApiTags('storages')
@Controller('api/v1')
@UseGuards(BearerAuthGuard)
@UseFilters(ApiErrorFilter)
@RequireAccess('admin')
export class StoragesController {
  constructor(
    private readonly storages: StoragesRepository,
    private readonly clusters: ClustersRepository,
  ) {}

  @Post('clusters/:clusterId/storages')
  @ApiOperation({
    summary: "Create the cluster's storage (409 when it has one: a cluster serves one storage)",
  })
  @ApiBody({ schema: openApiSchema(CreateStorageBody, 'input') })
  @ApiCreatedResponse({ schema: openApiSchema(Storage) })
  async create(
    @Param('clusterId', UuidPipe) clusterId: string,
    @Body(new ZodPipe(CreateStorageBody)) body: z.output<typeof CreateStorageBody>,
  ): Promise<Storage> {
    const storage = await this.storages.create(clusterId, body);
    if (!storage) throw new NotFoundError(`cluster ${clusterId} not found`);
    return storage;
  }

  @Get('clusters/:clusterId/storages')
  @RequireAccess('member')
  @ApiOperation({
    summary: "The cluster's storage, as a list of zero or one (admin, or a node token of this cluster)",
  })
  @ApiOkResponse({ schema: openApiSchema(StorageList) })
  async list(
    @Param('clusterId', UuidPipe) clusterId: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<{ items: Storage[] }> {
    forbidUnlessMember(principal, clusterId);
    if (!(await this.clusters.get(clusterId))) throw new NotFoundError(`cluster ${clusterId} not found`);
    return { items: await this.storages.listByCluster(clusterId) };
  }

  @Get('storages/:id')
  @RequireAccess('member')
  @ApiOperation({ summary: 'Get a storage (admin, or a node token of its cluster)' })
  @ApiOkResponse({ schema: openApiSchema(Storage) })
  async get(@Param('id', UuidPipe) id: string, @CurrentPrincipal() principal: Principal): Promise<Storage> {
    const storage = await this.storages.get(id);
    forbidUnlessMember(principal, storage?.clusterId);
    if (!storage) throw storageNotFound(id);
    return storage;
  }

  @Patch('storages/:id')
  @ApiOperation({ summary: 'Change a storage (null clears an override: the settings apply again)' })
  @ApiBody({ schema: openApiSchema(UpdateStorageBody, 'input') })
  @ApiOkResponse({ schema: openApiSchema(Storage) })
  async update(
    @Param('id', UuidPipe) id: string,
    @Body(new ZodPipe(UpdateStorageBody)) body: z.output<typeof UpdateStorageBody>,
  ): Promise<Storage> {
    const storage = await this.storages.update(id, body);
    if (!storage) throw storageNotFound(id);
    return storage;
  }

  @Delete('storages/:id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a storage (409 while the catalog has assets on it)' })
  @ApiNoContentResponse()
  async delete(@Param('id', UuidPipe) id: string): Promise<void> {
    if (!(await this.storages.delete(id))) throw storageNotFound(id);
  }
}

function storageNotFound(id: string): NotFoundError {
  return new NotFoundError(`storage ${id} not found`);
}
