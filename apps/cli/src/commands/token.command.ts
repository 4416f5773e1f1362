import type { TokenKind } from '@portico/control-plane-client';
import { clientFor, loadContext, resolveCluster, resolveNode, type ContextFlags } from '../context';

/** `portico token create`: issues a node, join or admin token and prints it once. */
export async function tokenCreateCommand(
  flags: ContextFlags & { kind: TokenKind; node?: string; description?: string; expiresIn?: number },
): Promise<number> {
  const context = loadContext(flags);
  const client = clientFor(context);
  let clusterId: string | undefined;
  let nodeId: string | undefined;
  if (flags.kind !== 'admin')
    clusterId = (await resolveCluster(client, flags.cluster ?? context.clusterId)).id;
  if (flags.kind === 'node') {
    if (!flags.node) throw new Error('a node token needs --node <name or id>');
    nodeId = (await resolveNode(client, clusterId!, flags.node)).id;
  }
  const created = await client.createToken({
    kind: flags.kind,
    clusterId,
    nodeId,
    description: flags.description,
    expiresInSeconds: flags.expiresIn,
  });
  console.log(created.token);
  console.error(
    `${created.kind} token ${created.id} (${created.prefix}…) created${created.expiresAt ? `, expires ${created.expiresAt}` : ''}; it is shown only this once.`,
  );
  return 0;
}
