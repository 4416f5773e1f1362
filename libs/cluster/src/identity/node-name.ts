/**
 * The name a process proposes when it auto-registers with a join token (replicas of
 * `docker compose --scale` or a Kubernetes Deployment): host name, app and a short random
 * suffix, so that a listing tells where each node runs. The control plane makes it unique.
 */
export function proposedNodeName(hostname: string, app: string, randomSuffix: string): string {
  const host =
    hostname
      .split('.')[0]!
      .replace(/[^\p{L}\p{N}._-]+/gu, '-')
      .replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, '') || 'node';
  return `${host}-${app}-${randomSuffix}`.slice(0, 100);
}
