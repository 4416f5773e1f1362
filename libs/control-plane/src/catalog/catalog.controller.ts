import { Controller, Get, Inject, Param, Query, UseFilters, UseGuards } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { CatalogListRepository, CatalogRepository, isSeqCursor } from '@portico/catalog';
import {
  ASSET_STATUSES,
  Asset,
  AssetDetail,
  AssetQuery,
  CHECKSUM_ALGORITHMS,
  CatalogFile,
  ChecksumLookupQuery,
  FILE_LOCATIONS,
  FILE_STATUSES,
  FORMAT_KINDS,
  FileList,
  FileQuery,
  MEDIA_KINDS,
  Page,
  PathLookupQuery,
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
import { ClustersRepository } from '../clusters/clusters.repository';
import { ApiErrorFilter } from '../common/api-error.provider';
import { InvalidRequestError, NotFoundError } from '../common/api-errors';
import { openApiSchema } from '../common/openapi';
import { UuidPipe, ZodPipe } from '../common/zod.provider';
import { CP_DB } from '../injection';
import { assetDetailView, assetView, fileView } from './catalog-view';

type AssetPage = { items: Asset[]; nextCursor: string | null };
type FilePage = { items: CatalogFile[]; nextCursor: string | null };

/**
 * The media catalog (SPEC 1): assets, their formats and files, written by the cluster's nodes in
 * the shared database and read here. Readable by admins and by node tokens of the cluster.
 */
@ApiTags('catalog')
@Controller('api/v1')
@UseGuards(BearerAuthGuard)
@UseFilters(ApiErrorFilter)
@RequireAccess('member')
export class CatalogController {
  constructor(
    @Inject(CP_DB) private readonly pool: Pool,
    private readonly catalog: CatalogRepository,
    private readonly lists: CatalogListRepository,
    private readonly clusters: ClustersRepository,
  ) {}

  @Get('clusters/:clusterId/assets')
  @ApiOperation({ summary: "A cluster's assets, newest first, cursor-paged, filtered" })
  @ApiQuery({ name: 'status', required: false, enum: ASSET_STATUSES })
  @ApiQuery({ name: 'kind', required: false, enum: MEDIA_KINDS })
  @ApiQuery({ name: 'pathPrefix', required: false, description: 'path of the original starts with this' })
  @ApiQuery({ name: 'removed', required: false, type: Boolean, description: 'omitted: both' })
  @ApiQuery({ name: 'cursor', required: false, description: 'nextCursor of the previous page' })
  @ApiQuery({ name: 'limit', required: false, type: Number, description: '1..1000, default 100' })
  @ApiOkResponse({ schema: openApiSchema(Page(Asset)) })
  async listAssets(
    @Param('clusterId', UuidPipe) clusterId: string,
    @Query(new ZodPipe(AssetQuery, 'query')) query: z.output<typeof AssetQuery>,
    @CurrentPrincipal() principal: Principal,
  ): Promise<AssetPage> {
    await this.checkCluster(principal, clusterId);
    checkCursor(query.cursor);
    const page = await this.lists.listAssets(this.pool, { ...query, clusterId });
    return { items: page.items.map(assetView), nextCursor: page.nextCursor };
  }

  @Get('assets/:id')
  @ApiOperation({ summary: 'An asset with its formats and their files (removed ones included)' })
  @ApiOkResponse({ schema: openApiSchema(AssetDetail) })
  async getAsset(
    @Param('id', UuidPipe) id: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<AssetDetail> {
    const detail = await this.catalog.getAsset(this.pool, id);
    forbidUnlessMember(principal, detail?.asset.clusterId);
    if (!detail) throw new NotFoundError(`asset ${id} not found`);
    return assetDetailView(detail);
  }

  @Get('clusters/:clusterId/files')
  @ApiOperation({
    summary: "A cluster's files (on the storage and in object stores), newest first, cursor-paged",
  })
  @ApiQuery({ name: 'status', required: false, enum: FILE_STATUSES })
  @ApiQuery({ name: 'kind', required: false, enum: FORMAT_KINDS, description: "the file's format" })
  @ApiQuery({ name: 'location', required: false, enum: FILE_LOCATIONS })
  @ApiQuery({ name: 'pathPrefix', required: false })
  @ApiQuery({ name: 'removed', required: false, type: Boolean, description: 'omitted: both' })
  @ApiQuery({ name: 'assetId', required: false })
  @ApiQuery({ name: 'objectStoreId', required: false })
  @ApiQuery({ name: 'cursor', required: false })
  @ApiQuery({ name: 'limit', required: false, type: Number })
  @ApiOkResponse({ schema: openApiSchema(Page(CatalogFile)) })
  async listFiles(
    @Param('clusterId', UuidPipe) clusterId: string,
    @Query(new ZodPipe(FileQuery, 'query')) query: z.output<typeof FileQuery>,
    @CurrentPrincipal() principal: Principal,
  ): Promise<FilePage> {
    await this.checkCluster(principal, clusterId);
    checkCursor(query.cursor);
    const { kind, ...rest } = query;
    const page = await this.lists.listFiles(this.pool, { ...rest, formatKind: kind, clusterId });
    return { items: page.items.map(fileView), nextCursor: page.nextCursor };
  }

  @Get('clusters/:clusterId/files/by-path')
  @ApiOperation({ summary: 'Files on the storage at exactly this path, newest first' })
  @ApiQuery({ name: 'path', required: true, description: 'relative to the storage root' })
  @ApiQuery({ name: 'includeRemoved', required: false, type: Boolean })
  @ApiOkResponse({ schema: openApiSchema(FileList) })
  async byPath(
    @Param('clusterId', UuidPipe) clusterId: string,
    @Query(new ZodPipe(PathLookupQuery, 'query')) query: z.output<typeof PathLookupQuery>,
    @CurrentPrincipal() principal: Principal,
  ): Promise<FileList> {
    await this.checkCluster(principal, clusterId);
    const files = await this.catalog.findFilesByPath(this.pool, clusterId, query.path, {
      includeRemoved: query.includeRemoved ?? false,
    });
    return { items: files.map(fileView) };
  }

  @Get('clusters/:clusterId/files/by-checksum')
  @ApiOperation({
    summary: 'Every file of the cluster with this digest (removed ones included), oldest first',
  })
  @ApiQuery({ name: 'algorithm', required: true, enum: CHECKSUM_ALGORITHMS })
  @ApiQuery({ name: 'value', required: true, description: 'hex digest' })
  @ApiOkResponse({ schema: openApiSchema(FileList) })
  async byChecksum(
    @Param('clusterId', UuidPipe) clusterId: string,
    @Query(new ZodPipe(ChecksumLookupQuery, 'query')) query: z.output<typeof ChecksumLookupQuery>,
    @CurrentPrincipal() principal: Principal,
  ): Promise<FileList> {
    await this.checkCluster(principal, clusterId);
    const files = await this.catalog.findFilesByChecksum(this.pool, clusterId, query.algorithm, query.value);
    return { items: files.map(fileView) };
  }

  @Get('files/:id')
  @ApiOperation({ summary: 'A file of the catalog' })
  @ApiOkResponse({ schema: openApiSchema(CatalogFile) })
  async getFile(
    @Param('id', UuidPipe) id: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<CatalogFile> {
    const file = await this.catalog.getFile(this.pool, id);
    forbidUnlessMember(principal, file?.clusterId);
    if (!file) throw new NotFoundError(`file ${id} not found`);
    return fileView(file);
  }

  /** 403 outside the token's cluster; 404 for an admin naming an unknown cluster. */
  private async checkCluster(principal: Principal, clusterId: string): Promise<void> {
    forbidUnlessMember(principal, clusterId);
    if (!(await this.clusters.get(clusterId))) throw new NotFoundError(`cluster ${clusterId} not found`);
  }
}

function checkCursor(cursor: string | undefined): void {
  if (cursor !== undefined && !isSeqCursor(cursor))
    throw new InvalidRequestError([
      { path: 'cursor', message: 'must be a nextCursor returned by this route' },
    ]);
}
