import {
  Body,
  Controller,
  Delete,
  ForbiddenException,
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
import { Cluster, CreateClusterBody, SetSettingBody, UpdateClusterBody } from '@portico/control-plane-client';
import { z } from 'zod';
import { BearerAuthGuard, CurrentPrincipal, RequireAccess } from '../auth/bearer-auth.provider';
import { type Principal, mayAccessCluster } from '../auth/permissions';
import { ApiErrorFilter } from '../common/api-error.provider';
import { InvalidRequestError, NotFoundError } from '../common/api-errors';
import { openApiSchema } from '../common/openapi';
import { UuidPipe, ZodPipe } from '../common/zod.provider';
import { SettingsBroadcast } from '../settings/settings-broadcast.adapter';
import { checkSetting, checkSettingsMap, maskSettings } from '../settings/setting-rules';
import { ClustersRepository, type SettingsWrite } from './clusters.repository';

const SettingsResponse = z.object({ settings: z.record(z.string(), z.unknown()) });
const ClusterList = z.object({ items: z.array(Cluster) });

/** Clusters and their settings layer (SPEC 1, 2.3). Admins see db_connection_uri masked. */
@ApiTags('clusters')
@Controller('api/v1/clusters')
@UseGuards(BearerAuthGuard)
@UseFilters(ApiErrorFilter)
@RequireAccess('admin')
export class ClustersController {
  constructor(
    private readonly clusters: ClustersRepository,
    private readonly broadcast: SettingsBroadcast,
  ) {}

  @Post()
  @ApiOperation({ summary: 'Create a cluster (settings validated as the cluster settings layer)' })
  @ApiBody({ schema: openApiSchema(CreateClusterBody, 'input') })
  @ApiCreatedResponse({ schema: openApiSchema(Cluster) })
  async create(
    @Body(new ZodPipe(CreateClusterBody)) body: z.output<typeof CreateClusterBody>,
  ): Promise<Cluster> {
    const { values, problems } = checkSettingsMap('cluster', body.settings ?? {}, 'settings');
    if (problems.length > 0) throw new InvalidRequestError(problems);
    return masked(await this.clusters.create(body.name, values));
  }

  @Get()
  @ApiOperation({ summary: 'List clusters' })
  @ApiOkResponse({ schema: openApiSchema(ClusterList) })
  async list(): Promise<{ items: Cluster[] }> {
    return { items: (await this.clusters.list()).map(masked) };
  }

  @Get(':id')
  @RequireAccess('member')
  @ApiOperation({ summary: 'Get a cluster (admin, or a node token of this cluster)' })
  @ApiOkResponse({ schema: openApiSchema(Cluster) })
  async get(@Param('id', UuidPipe) id: string, @CurrentPrincipal() principal: Principal): Promise<Cluster> {
    const cluster = await this.clusters.get(id);
    const decision = mayAccessCluster(principal, cluster?.id);
    if (!decision.allowed) throw new ForbiddenException(decision.reason);
    if (!cluster) throw clusterNotFound(id);
    return masked(cluster);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Rename a cluster' })
  @ApiBody({ schema: openApiSchema(UpdateClusterBody, 'input') })
  @ApiOkResponse({ schema: openApiSchema(Cluster) })
  async update(
    @Param('id', UuidPipe) id: string,
    @Body(new ZodPipe(UpdateClusterBody)) body: z.output<typeof UpdateClusterBody>,
  ): Promise<Cluster> {
    const cluster = await this.clusters.rename(id, body.name);
    if (!cluster) throw clusterNotFound(id);
    return masked(cluster);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a cluster with its nodes, tokens and logs' })
  @ApiNoContentResponse()
  async delete(@Param('id', UuidPipe) id: string): Promise<void> {
    if (!(await this.clusters.delete(id))) throw clusterNotFound(id);
  }

  @Get(':id/settings')
  @ApiOperation({ summary: 'The cluster settings layer (sensitive values masked)' })
  @ApiOkResponse({ schema: openApiSchema(SettingsResponse) })
  async settings(@Param('id', UuidPipe) id: string): Promise<{ settings: Record<string, unknown> }> {
    const cluster = await this.clusters.get(id);
    if (!cluster) throw clusterNotFound(id);
    return { settings: maskSettings(cluster.settings) };
  }

  @Put(':id/settings/:key')
  @ApiOperation({ summary: 'Set one cluster setting (validated by the settings catalogue)' })
  @ApiBody({ schema: openApiSchema(SetSettingBody, 'input') })
  @ApiOkResponse({ schema: openApiSchema(SettingsResponse) })
  async setSetting(
    @Param('id', UuidPipe) id: string,
    @Param('key') key: string,
    @Body(new ZodPipe(SetSettingBody)) body: z.output<typeof SetSettingBody>,
  ): Promise<{ settings: Record<string, unknown> }> {
    const check = checkSetting('cluster', key, body.value, key === '' ? 'key' : 'value');
    if (!check.ok) throw new InvalidRequestError([check.problem]);
    return this.afterWrite(id, await this.clusters.setSetting(id, check.key, check.value));
  }

  @Delete(':id/settings/:key')
  @ApiOperation({ summary: 'Unset one cluster setting (the default applies again)' })
  @ApiOkResponse({ schema: openApiSchema(SettingsResponse) })
  async deleteSetting(
    @Param('id', UuidPipe) id: string,
    @Param('key') key: string,
  ): Promise<{ settings: Record<string, unknown> }> {
    return this.afterWrite(id, await this.clusters.deleteSetting(id, key));
  }

  private afterWrite(id: string, write: SettingsWrite | undefined): { settings: Record<string, unknown> } {
    if (!write) throw clusterNotFound(id);
    if (write.changed) this.broadcast.publish(id, { version: String(write.settingsVersion) });
    return { settings: maskSettings(write.settings) };
  }
}

function masked(cluster: Cluster): Cluster {
  return { ...cluster, settings: maskSettings(cluster.settings) };
}

export function clusterNotFound(id: string): NotFoundError {
  return new NotFoundError(`cluster ${id} not found`);
}
