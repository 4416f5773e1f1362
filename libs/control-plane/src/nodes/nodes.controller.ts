import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Patch,
  Post,
  Put,
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
import { CreateNodeBody, Node, SetSettingBody, UpdateNodeBody } from '@portico/control-plane-client';
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
import { SettingsBroadcast } from '../settings/settings-broadcast.adapter';
import { checkSetting, checkSettingsMap, maskSettings } from '../settings/setting-rules';
import { selfVersion } from './node-names';
import { NodesRepository } from './nodes.repository';

const SettingsResponse = z.object({ settings: z.record(z.string(), z.unknown()) });
const NodeList = z.object({ items: z.array(Node) });

/** Nodes of a cluster: CRUD, node settings layer, mount-point override and primary flag. */
@ApiTags('nodes')
@Controller('api/v1')
@UseGuards(BearerAuthGuard)
@UseFilters(ApiErrorFilter)
@RequireAccess('admin')
export class NodesController {
  constructor(
    private readonly nodes: NodesRepository,
    private readonly clusters: ClustersRepository,
    private readonly broadcast: SettingsBroadcast,
  ) {}

  @Post('clusters/:clusterId/nodes')
  @ApiOperation({ summary: 'Create a node (settings validated as the node settings layer)' })
  @ApiBody({ schema: openApiSchema(CreateNodeBody, 'input') })
  @ApiCreatedResponse({ schema: openApiSchema(Node) })
  async create(
    @Param('clusterId', UuidPipe) clusterId: string,
    @Body(new ZodPipe(CreateNodeBody)) body: z.output<typeof CreateNodeBody>,
  ): Promise<Node> {
    const { values, problems } = checkSettingsMap('node', body.settings ?? {}, 'settings');
    if (problems.length > 0) throw new InvalidRequestError(problems);
    const node = await this.nodes.create(clusterId, body, values);
    if (!node) throw new NotFoundError(`cluster ${clusterId} not found`);
    return masked(node);
  }

  @Get('clusters/:clusterId/nodes')
  @RequireAccess('member')
  @ApiOperation({ summary: "List a cluster's nodes (admin, or a node token of this cluster)" })
  @ApiOkResponse({ schema: openApiSchema(NodeList) })
  async list(
    @Param('clusterId', UuidPipe) clusterId: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<{ items: Node[] }> {
    forbidUnlessMember(principal, clusterId);
    if (!(await this.clusters.get(clusterId))) throw new NotFoundError(`cluster ${clusterId} not found`);
    return { items: (await this.nodes.listByCluster(clusterId)).map(masked) };
  }

  @Get('nodes/:id')
  @RequireAccess('member')
  @ApiOperation({ summary: 'Get a node (admin, or a node token of its cluster)' })
  @ApiOkResponse({ schema: openApiSchema(Node) })
  async get(@Param('id', UuidPipe) id: string, @CurrentPrincipal() principal: Principal): Promise<Node> {
    const stored = await this.nodes.get(id);
    forbidUnlessMember(principal, stored?.node.clusterId);
    if (!stored) throw nodeNotFound(id);
    return masked(stored.node);
  }

  @Patch('nodes/:id')
  @ApiOperation({ summary: 'Rename a node, change its roles, mount-point override or primary flag' })
  @ApiBody({ schema: openApiSchema(UpdateNodeBody, 'input') })
  @ApiOkResponse({ schema: openApiSchema(Node) })
  async update(
    @Param('id', UuidPipe) id: string,
    @Body(new ZodPipe(UpdateNodeBody)) body: z.output<typeof UpdateNodeBody>,
  ): Promise<Node> {
    const stored = await this.nodes.update(id, body);
    if (!stored) throw nodeNotFound(id);
    await this.announce(stored.node.clusterId, id, stored.settingsVersion);
    return masked(stored.node);
  }

  @Delete('nodes/:id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a node with its tokens and logs' })
  @ApiNoContentResponse()
  async delete(@Param('id', UuidPipe) id: string): Promise<void> {
    if (!(await this.nodes.delete(id))) throw nodeNotFound(id);
  }

  @Get('nodes/:id/settings')
  @ApiOperation({ summary: 'The node settings layer' })
  @ApiOkResponse({ schema: openApiSchema(SettingsResponse) })
  async settings(@Param('id', UuidPipe) id: string): Promise<{ settings: Record<string, unknown> }> {
    const stored = await this.nodes.get(id);
    if (!stored) throw nodeNotFound(id);
    return { settings: maskSettings(stored.node.settings) };
  }

  @Put('nodes/:id/settings/:key')
  @ApiOperation({ summary: 'Set one node setting (cluster-only keys are refused)' })
  @ApiBody({ schema: openApiSchema(SetSettingBody, 'input') })
  @ApiOkResponse({ schema: openApiSchema(SettingsResponse) })
  async setSetting(
    @Param('id', UuidPipe) id: string,
    @Param('key') key: string,
    @Body(new ZodPipe(SetSettingBody)) body: z.output<typeof SetSettingBody>,
  ): Promise<{ settings: Record<string, unknown> }> {
    const check = checkSetting('node', key, body.value, 'value');
    if (!check.ok) throw new InvalidRequestError([check.problem]);
    const write = await this.nodes.setSetting(id, check.key, check.value);
    if (!write) throw nodeNotFound(id);
    if (write.changed) await this.announce(write.clusterId, id, write.settingsVersion);
    return { settings: maskSettings(write.settings) };
  }

  @Delete('nodes/:id/settings/:key')
  @ApiOperation({ summary: 'Unset one node setting (the cluster value or the default applies again)' })
  @ApiOkResponse({ schema: openApiSchema(SettingsResponse) })
  async deleteSetting(
    @Param('id', UuidPipe) id: string,
    @Param('key') key: string,
  ): Promise<{ settings: Record<string, unknown> }> {
    const write = await this.nodes.deleteSetting(id, key);
    if (!write) throw nodeNotFound(id);
    if (write.changed) await this.announce(write.clusterId, id, write.settingsVersion);
    return { settings: maskSettings(write.settings) };
  }

  /** Wakes the node's settings poll with its new GET /nodes/me version. */
  private async announce(clusterId: string, nodeId: string, nodeVersion: number): Promise<void> {
    const cluster = await this.clusters.get(clusterId);
    if (cluster)
      this.broadcast.publish(clusterId, {
        version: selfVersion(cluster.settingsVersion, nodeVersion),
        nodeId,
      });
  }
}

function masked(node: Node): Node {
  return { ...node, settings: maskSettings(node.settings) };
}

function nodeNotFound(id: string): NotFoundError {
  return new NotFoundError(`node ${id} not found`);
}
