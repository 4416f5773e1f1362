import { Module } from '@nestjs/common';
import { LogsController } from './logs.controller';
import { LogsRepository } from './logs.repository';

@Module({ controllers: [LogsController], providers: [LogsRepository] })
export class LogsModule {}
