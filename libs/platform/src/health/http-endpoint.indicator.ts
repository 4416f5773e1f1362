import { ReadinessCheck } from './readiness';

/** An HTTP dependency (the control plane) answers its ping endpoint with 2xx. */
export class HttpEndpointReadinessCheck extends ReadinessCheck {
  constructor(
    readonly name: string,
    private readonly url: string,
    private readonly timeoutMs = 2000,
  ) {
    super();
  }

  async check(): Promise<Record<string, unknown>> {
    const started = performance.now();
    const response = await fetch(this.url, { signal: AbortSignal.timeout(this.timeoutMs) });
    await response.body?.cancel();
    if (!response.ok) throw new Error(`${this.url} answered HTTP ${response.status}`);
    return { latencyMs: Math.round(performance.now() - started) };
  }
}
