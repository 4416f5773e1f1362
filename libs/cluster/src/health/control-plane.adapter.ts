import type { ControlPlaneClient } from '@portico/control-plane-client';
import { HealthCheck, type HealthDetails } from './health-check';

/** The control-plane API answers its ping (which also proves the control plane reaches its database). */
export class ControlPlaneHealthCheck extends HealthCheck {
  readonly name = 'control-plane';

  constructor(
    private readonly client: Pick<ControlPlaneClient, 'ping'>,
    override readonly timeoutMs?: number,
  ) {
    super();
  }

  async run(): Promise<HealthDetails> {
    const started = performance.now();
    await this.client.ping();
    return { latencyMs: Math.round((performance.now() - started) * 10) / 10 };
  }
}
