import { randomUUID } from 'node:crypto';
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
import { CreateObjectStoreBody, ObjectStore, UpdateObjectStoreBody } from '@portico/control-plane-client';
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
import { InvalidRequestError, NotFoundError } from '../common/api-errors';
import { openApiSchema } from '../common/openapi';
import { UuidPipe, ZodPipe } from '../common/zod.provider';
import { ObjectStoresRepository, type StoredSecret } from './object-stores.repository';
import { SecretBox } from './secret-box';

const ObjectStoreList = z.object({ items: z.array(ObjectStore) });

/**
 * S3-compatible object stores of a cluster (proxy, archive, export). The secret access key is
 * accepted, sealed with the control plane's secret-key and never returned: every answer shows
 * only how it is kept (`encrypted`, or the `env:NAME` reference the nodes resolve).
 */
@ApiTags('object-stores')
@Controller('api/v1')
@UseGuards(BearerAuthGuard)
@UseFilters(ApiErrorFilter)
@RequireAccess('admin')
export class ObjectStoresController {
  constructor(
    private readonly stores: ObjectStoresRepository,
    private readonly clusters: ClustersRepository,
    private readonly box: SecretBox,
  ) {}

  @Post('clusters/:clusterId/object-stores')
  @ApiOperation({
    summary: 'Add an object store (one proxy and one archive store per cluster; exports may be several)',
  })
  @ApiBody({ schema: openApiSchema(CreateObjectStoreBody, 'input') })
  @ApiCreatedResponse({ schema: openApiSchema(ObjectStore) })
  async create(
    @Param('clusterId', UuidPipe) clusterId: string,
    @Body(new ZodPipe(CreateObjectStoreBody)) body: z.output<typeof CreateObjectStoreBody>,
  ): Promise<ObjectStore> {
    const id = randomUUID();
    const secret = this.secretOf(id, body);
    // The contract requires one of the two; this guards the invariant the table's CHECK states too.
    if (!secret) throw new Error('object store without a secret passed validation');
    const created = await this.stores.create(id, clusterId, body, secret);
    if (!created) throw new NotFoundError(`cluster ${clusterId} not found`);
    return created.store;
  }

  @Get('clusters/:clusterId/object-stores')
  @RequireAccess('member')
  @ApiOperation({
    summary: "A cluster's object stores, secrets masked (admin, or a node token of this cluster)",
  })
  @ApiOkResponse({ schema: openApiSchema(ObjectStoreList) })
  async list(
    @Param('clusterId', UuidPipe) clusterId: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<{ items: ObjectStore[] }> {
    forbidUnlessMember(principal, clusterId);
    if (!(await this.clusters.get(clusterId))) throw new NotFoundError(`cluster ${clusterId} not found`);
    return { items: (await this.stores.listByCluster(clusterId)).map((stored) => stored.store) };
  }

  @Get('object-stores/:id')
  @RequireAccess('member')
  @ApiOperation({ summary: 'Get an object store, secret masked (admin, or a node token of its cluster)' })
  @ApiOkResponse({ schema: openApiSchema(ObjectStore) })
  async get(
    @Param('id', UuidPipe) id: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<ObjectStore> {
    const stored = await this.stores.get(id);
    forbidUnlessMember(principal, stored?.store.clusterId);
    if (!stored) throw storeNotFound(id);
    return stored.store;
  }

  @Patch('object-stores/:id')
  @ApiOperation({ summary: 'Change an object store; a new secret (either form) replaces the old one' })
  @ApiBody({ schema: openApiSchema(UpdateObjectStoreBody, 'input') })
  @ApiOkResponse({ schema: openApiSchema(ObjectStore) })
  async update(
    @Param('id', UuidPipe) id: string,
    @Body(new ZodPipe(UpdateObjectStoreBody)) body: z.output<typeof UpdateObjectStoreBody>,
  ): Promise<ObjectStore> {
    const current = await this.stores.get(id);
    if (!current) throw storeNotFound(id);
    const { secretAccessKey, secretAccessKeyRef, ...changes } = body;
    const secret = this.secretOf(id, { secretAccessKey, secretAccessKeyRef });
    const updated = await this.stores.update(id, { ...current.store, ...definedOnly(changes) }, secret);
    if (!updated) throw storeNotFound(id);
    return updated.store;
  }

  @Delete('object-stores/:id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete an object store (409 while catalog files are recorded in it)' })
  @ApiNoContentResponse()
  async delete(@Param('id', UuidPipe) id: string): Promise<void> {
    if (!(await this.stores.delete(id))) throw storeNotFound(id);
  }

  /** The secret to store, or undefined when the request gives none. */
  private secretOf(
    id: string,
    body: { secretAccessKey?: string | undefined; secretAccessKeyRef?: string | undefined },
  ): StoredSecret | undefined {
    if (body.secretAccessKeyRef !== undefined) return { reference: body.secretAccessKeyRef };
    if (body.secretAccessKey === undefined) return undefined;
    if (!this.box.configured)
      throw new InvalidRequestError([
        {
          path: 'secretAccessKey',
          message:
            'this control plane has no secret-key (PORTICO_SECRET_KEY) to encrypt it with: configure one, ' +
            'or give secretAccessKeyRef=env:NAME',
        },
      ]);
    return { sealed: this.box.seal(body.secretAccessKey, id) };
  }
}

function definedOnly<T extends object>(changes: T): Partial<T> {
  return Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined)) as Partial<T>;
}

function storeNotFound(id: string): NotFoundError {
  return new NotFoundError(`object store ${id} not found`);
}
