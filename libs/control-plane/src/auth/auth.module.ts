import { Global, Module } from '@nestjs/common';
import { BearerAuthGuard } from './bearer-auth.provider';
import { TokensRepository } from './tokens.repository';

/** Bearer-token authentication, shared by every API module (global: each controller uses the guard). */
@Global()
@Module({
  providers: [TokensRepository, BearerAuthGuard],
  exports: [TokensRepository, BearerAuthGuard],
})
export class AuthModule {}
