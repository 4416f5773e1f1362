import {
  Body,
  Controller,
  Delete,
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
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import { CreateTokenBody, CreatedToken, TokenInfo } from '@portico/control-plane-client';
import { z } from 'zod';
import { BearerAuthGuard, RequireAccess } from '../auth/bearer-auth.provider';
import { generateToken } from '../auth/token-format';
import { TokensRepository } from '../auth/tokens.repository';
import { ApiErrorFilter } from '../common/api-error.provider';
import { NotFoundError } from '../common/api-errors';
import { openApiSchema } from '../common/openapi';
import { UuidPipe, ZodPipe } from '../common/zod.provider';

const TokenList = z.object({ items: z.array(TokenInfo) });
const TokenListQuery = z.object({ clusterId: z.uuid({ error: 'must be a UUID' }).optional() }).strict();

/** Admin, node and join tokens. The secret is returned once, at creation; only its hash is kept. */
@ApiTags('tokens')
@Controller('api/v1/tokens')
@UseGuards(BearerAuthGuard)
@UseFilters(ApiErrorFilter)
@RequireAccess('admin')
export class TokensController {
  constructor(private readonly tokens: TokensRepository) {}

  @Post()
  @ApiOperation({
    summary: 'Issue a token (node: bound to a node; join: bound to a cluster; admin: unbound)',
  })
  @ApiBody({ schema: openApiSchema(CreateTokenBody, 'input') })
  @ApiCreatedResponse({ schema: openApiSchema(CreatedToken) })
  async create(
    @Body(new ZodPipe(CreateTokenBody)) body: z.output<typeof CreateTokenBody>,
  ): Promise<CreatedToken> {
    const secret = generateToken(body.kind);
    const info = await this.tokens.create({ ...body, hash: secret.hash, prefix: secret.prefix });
    if (!info) {
      throw new NotFoundError(
        body.kind === 'node'
          ? `node ${body.nodeId ?? ''} not found${body.clusterId ? ` in cluster ${body.clusterId}` : ''}`
          : `cluster ${body.clusterId ?? ''} not found`,
      );
    }
    return { ...info, token: secret.secret };
  }

  @Get()
  @ApiOperation({ summary: 'List tokens (never their secrets), optionally of one cluster' })
  @ApiQuery({ name: 'clusterId', required: false })
  @ApiOkResponse({ schema: openApiSchema(TokenList) })
  async list(
    @Query(new ZodPipe(TokenListQuery, 'query')) query: z.infer<typeof TokenListQuery>,
  ): Promise<{ items: TokenInfo[] }> {
    return { items: await this.tokens.list(query.clusterId) };
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke a token (it is refused from then on)' })
  @ApiNoContentResponse()
  async revoke(@Param('id', UuidPipe) id: string): Promise<void> {
    if (!(await this.tokens.revoke(id))) throw new NotFoundError(`token ${id} not found`);
  }
}
