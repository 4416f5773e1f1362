import { Module } from '@nestjs/common';
import { StatusController } from './status.controller';
import { StatusRepository } from './status.repository';

@Module({ controllers: [StatusController], providers: [StatusRepository] })
export class StatusModule {}
