import { Module } from '@nestjs/common';
import { OfflineSweep } from './offline-sweep.provider';
import { TelemetryController } from './telemetry.controller';
import { TelemetryRepository } from './telemetry.repository';

@Module({
  controllers: [TelemetryController],
  providers: [TelemetryRepository, OfflineSweep],
  exports: [OfflineSweep],
})
export class TelemetryModule {}
