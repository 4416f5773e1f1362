import {
  type CanActivate,
  type ExecutionContext,
  ForbiddenException,
  Inject,
  Injectable,
  SetMetadata,
  UnauthorizedException,
  applyDecorators,
  createParamDecorator,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiBearerAuth, ApiForbiddenResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import type { Request } from 'express';
import { openApiSchema } from '../common/openapi';
import { ApiErrorBody } from '@portico/control-plane-client';
import { CP_CONFIG, type ControlPlaneRuntimeConfig } from '../injection';
import { ApiMetrics } from '../metrics/api-metrics';
import { type Access, type Principal, mayAccessCluster, mayCall, tokenRejection } from './permissions';
import { bearerToken, hashToken, secretsEqual } from './token-format';
import { TokensRepository } from './tokens.repository';

const ACCESS_KEY = 'portico:access';
const PRINCIPAL = Symbol('portico:principal');

type AuthenticatedRequest = Request & { [PRINCIPAL]?: Principal };

const errorSchema = openApiSchema(ApiErrorBody);

/** Declares who may call a route (default for a guarded controller: admin only). */
export function RequireAccess(access: Access): MethodDecorator & ClassDecorator {
  return applyDecorators(
    SetMetadata(ACCESS_KEY, access),
    ApiBearerAuth(),
    ApiUnauthorizedResponse({
      description: 'missing, unknown, revoked or expired token',
      schema: errorSchema,
    }),
    ApiForbiddenResponse({ description: 'the token may not do this', schema: errorSchema }),
  );
}

/** The principal the guard resolved for this request. */
export const CurrentPrincipal = createParamDecorator(
  (_data: unknown, context: ExecutionContext): Principal => {
    const principal = context.switchToHttp().getRequest<AuthenticatedRequest>()[PRINCIPAL];
    // The guard runs before parameter decorators; without it the route is misconfigured.
    if (!principal) throw new Error('no principal: the route is missing the bearer-auth guard');
    return principal;
  },
);

/**
 * Authenticates `Authorization: Bearer <token>` (the bootstrap admin token from config, or a
 * token from the table by its hash) and checks the route's access rule. Missing, unknown,
 * revoked or expired → 401; a token of the wrong kind → 403.
 */
@Injectable()
export class BearerAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: TokensRepository,
    private readonly metrics: ApiMetrics,
    @Inject(CP_CONFIG) private readonly config: ControlPlaneRuntimeConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const access =
      this.reflector.getAllAndOverride<Access | undefined>(ACCESS_KEY, [
        context.getHandler(),
        context.getClass(),
      ]) ?? 'admin';
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const principal = await this.authenticate(request);
    const decision = mayCall(principal, access);
    if (!decision.allowed) {
      this.metrics.authFailed('forbidden');
      throw new ForbiddenException(decision.reason);
    }
    request[PRINCIPAL] = principal;
    return true;
  }

  private async authenticate(request: Request): Promise<Principal> {
    const secret = bearerToken(request.headers.authorization);
    if (!secret) {
      this.metrics.authFailed('missing');
      throw new UnauthorizedException('missing bearer token: send Authorization: Bearer <token>');
    }
    const admin = this.config.adminToken;
    if (admin !== undefined && admin !== '' && secretsEqual(secret, admin))
      return { kind: 'admin', tokenId: null };

    const found = await this.tokens.lookup(hashToken(secret));
    const rejection = tokenRejection(found);
    if (rejection || !found) {
      const reason = rejection ?? 'unknown';
      this.metrics.authFailed(reason);
      throw new UnauthorizedException(
        reason === 'unknown' ? 'invalid token' : `token ${reason}: ask an administrator for a new one`,
      );
    }
    switch (found.kind) {
      case 'admin':
        return { kind: 'admin', tokenId: found.id };
      case 'node':
        return { kind: 'node', tokenId: found.id, clusterId: found.clusterId!, nodeId: found.nodeId! };
      case 'join':
        return { kind: 'join', tokenId: found.id, clusterId: found.clusterId! };
    }
  }
}

/** 403 unless `principal` may act on the cluster (an admin, or a node token of that cluster). */
export function forbidUnlessMember(principal: Principal, clusterId: string | undefined): void {
  const decision = mayAccessCluster(principal, clusterId);
  if (!decision.allowed) throw new ForbiddenException(decision.reason);
}
