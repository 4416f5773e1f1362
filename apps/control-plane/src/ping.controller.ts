import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOkResponse, ApiProperty, ApiTags } from '@nestjs/swagger';
import type { Pool } from 'pg';
import { CONTROL_PLANE_POOL } from './tokens';

class PingResponse {
  @ApiProperty({ example: 'ok' }) status!: 'ok';
  @ApiProperty({ description: "The database's clock, which every lease and skew check is measured against." })
  databaseTime!: string;
  @ApiProperty({ description: "This control plane's wall clock." }) time!: string;
}

@ApiTags('health')
@Controller('api/v1/ping')
export class PingController {
  constructor(@Inject(CONTROL_PLANE_POOL) private readonly pool: Pool) {}

  /** Nodes call this for their control-plane health check; it proves the API and its database answer. */
  @Get()
  @ApiOkResponse({ type: PingResponse })
  async ping(): Promise<PingResponse> {
    const { rows } = await this.pool.query<{ now: Date }>('SELECT now() AS now');
    return { status: 'ok', databaseTime: rows[0]!.now.toISOString(), time: new Date().toISOString() };
  }
}
