import { Module } from '@nestjs/common';
import { TokensController } from './tokens.controller';

/** The token routes; the repository and the guard come from the global AuthModule. */
@Module({ controllers: [TokensController] })
export class TokensModule {}
