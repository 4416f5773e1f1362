import {
  Body,
  Controller,
  Get,
  Headers,
  HttpCode,
  Post,
  Res,
  ServiceUnavailableException,
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import {
  ApiBody,
  ApiCreatedResponse,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import {
  NodeSelf,
  NodeStorageView,
  RegisterNodeBody,
  RegisterNodeResponse,
} from '@portico/control-plane-client';
import type { Response } from 'express';
import type { z } from 'zod';
import { BearerAuthGuard, CurrentPrincipal, RequireAccess } from '../auth/bearer-auth.provider';
import type { Principal } from '../auth/permissions';
import { generateToken } from '../auth/token-format';
import { TokensRepository } from '../auth/tokens.repository';
import { ApiErrorFilter } from '../common/api-error.provider';
import { NotFoundError } from '../common/api-errors';
import { openApiSchema } from '../common/openapi';
import { ZodPipe } from '../common/zod.provider';
import { ClustersRepository } from '../clusters/clusters.repository';
import {
  UnusableObjectStoreError,
  nodeObjectStore,
  storageViewVersion,
} from '../object-stores/node-object-store';
import { ObjectStoresRepository } from '../object-stores/object-stores.repository';
import { SecretBox } from '../object-stores/secret-box';
import { StoragesRepository } from '../storages/storages.repository';
import { etagMatches, selfVersion } from './node-names';
import { NodesRepository } from './nodes.repository';

/** What a node process calls about itself: registration with a join token, and its own view. */
@ApiTags('nodes')
@Controller('api/v1/nodes')
@UseGuards(BearerAuthGuard)
@UseFilters(ApiErrorFilter)
export class NodeSelfController {
  constructor(
    private readonly nodes: NodesRepository,
    private readonly clusters: ClustersRepository,
    private readonly tokens: TokensRepository,
    private readonly storages: StoragesRepository,
    private readonly objectStores: ObjectStoresRepository,
    private readonly box: SecretBox,
  ) {}

  @Post('register')
  @HttpCode(201)
  @RequireAccess('join')
  @ApiOperation({ summary: "Register a node in the join token's cluster; returns its node token once" })
  @ApiBody({ schema: openApiSchema(RegisterNodeBody, 'input') })
  @ApiCreatedResponse({ schema: openApiSchema(RegisterNodeResponse) })
  async register(
    @CurrentPrincipal() principal: Principal,
    @Body(new ZodPipe(RegisterNodeBody)) body: z.output<typeof RegisterNodeBody>,
  ): Promise<RegisterNodeResponse> {
    if (principal.kind !== 'join') throw new Error('register reached without a join principal');
    const secret = generateToken('node');
    const { node, extra: info } = await this.nodes.register(principal.clusterId, body, (client, created) =>
      this.tokens.create(
        {
          kind: 'node',
          nodeId: created.id,
          clusterId: created.clusterId,
          description: `registered by ${body.app} on ${body.hostname}`,
          hash: secret.hash,
          prefix: secret.prefix,
        },
        client,
      ),
    );
    if (!info) throw new Error(`node ${node.id} vanished while its token was issued`);
    return { node, token: secret.secret };
  }

  @Get('me')
  @RequireAccess('node')
  @ApiOperation({
    summary:
      'The calling node, its cluster and both settings layers (db_connection_uri in clear); 304 when unchanged',
  })
  @ApiHeader({ name: 'If-None-Match', required: false, description: 'the `"<version>"` of the last answer' })
  @ApiOkResponse({ schema: openApiSchema(NodeSelf) })
  async me(
    @CurrentPrincipal() principal: Principal,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Res() response: Response,
  ): Promise<void> {
    if (principal.kind !== 'node') throw new Error('me reached without a node principal');
    const stored = await this.nodes.get(principal.nodeId);
    const cluster = stored ? await this.clusters.get(stored.node.clusterId) : undefined;
    if (!stored || !cluster) throw new NotFoundError(`node ${principal.nodeId} no longer exists`);
    const version = selfVersion(cluster.settingsVersion, stored.settingsVersion);
    response.setHeader('ETag', `"${version}"`);
    response.setHeader('Cache-Control', 'private, no-cache');
    if (etagMatches(ifNoneMatch, version)) {
      response.status(304).end();
      return;
    }
    const body: NodeSelf = { node: stored.node, cluster, version };
    response.status(200).json(body);
  }

  @Get('me/storage')
  @RequireAccess('node')
  @ApiOperation({
    summary:
      "The calling node's storage and object stores, with their secrets (in clear, or env:NAME); 304 when unchanged",
  })
  @ApiHeader({ name: 'If-None-Match', required: false, description: 'the `"<version>"` of the last answer' })
  @ApiOkResponse({ schema: openApiSchema(NodeStorageView) })
  async myStorage(
    @CurrentPrincipal() principal: Principal,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Res() response: Response,
  ): Promise<void> {
    if (principal.kind !== 'node') throw new Error('me/storage reached without a node principal');
    const stored = await this.nodes.get(principal.nodeId);
    if (!stored) throw new NotFoundError(`node ${principal.nodeId} no longer exists`);
    const [storage] = await this.storages.listByCluster(stored.node.clusterId);
    const stores = await this.objectStores.listByCluster(stored.node.clusterId);
    const version = storageViewVersion(
      storage,
      stores.map((s) => s.store),
    );
    response.setHeader('ETag', `"${version}"`);
    response.setHeader('Cache-Control', 'private, no-store');
    if (etagMatches(ifNoneMatch, version)) {
      response.status(304).end();
      return;
    }
    let objectStores: NodeStorageView['objectStores'];
    try {
      objectStores = stores.map((s) => nodeObjectStore(s, this.box));
    } catch (error) {
      if (error instanceof UnusableObjectStoreError) throw new ServiceUnavailableException(error.message);
      throw error;
    }
    const body: NodeStorageView = { storage: storage ?? null, objectStores, version };
    response.status(200).json(body);
  }
}
