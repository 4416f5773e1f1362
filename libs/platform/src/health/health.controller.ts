import { Controller, Get, Inject } from '@nestjs/common';
import {
  HealthCheck,
  HealthCheckService,
  HealthIndicatorService,
  type HealthCheckResult,
  type HealthIndicatorResult,
} from '@nestjs/terminus';
import { scrubSecrets } from '../logging/redact';
import { READINESS_CHECKS, ReadinessCheck, withTimeout } from './readiness';

const CHECK_TIMEOUT_MS = 3000;

@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicator: HealthIndicatorService,
    @Inject(READINESS_CHECKS) private readonly checks: ReadinessCheck[],
  ) {}

  /** Liveness: the process and its event loop answer. Dependencies do not matter here. */
  @Get('live')
  @HealthCheck()
  live(): Promise<HealthCheckResult> {
    return this.health.check([
      () => this.indicator.check('process').up({ uptimeSeconds: Math.round(process.uptime()) }),
    ]);
  }

  /** Readiness: every dependency this app needs passes its check. */
  @Get('ready')
  @HealthCheck()
  ready(): Promise<HealthCheckResult> {
    return this.health.check(this.checks.map((check) => () => this.run(check)));
  }

  private async run(check: ReadinessCheck): Promise<HealthIndicatorResult> {
    const session = this.indicator.check(check.name);
    try {
      return session.up(await withTimeout(check.check(), CHECK_TIMEOUT_MS, check.name));
    } catch (error) {
      return session.down({ message: scrubSecrets(error instanceof Error ? error.message : String(error)) });
    }
  }
}
