import { existsSync } from 'node:fs';
import path from 'node:path';
import {
  isSettingKey,
  loadLocalConfig,
  resolveSettings,
  SETTING_KEYS,
  type SettingExplanation,
  type SettingKey,
} from '@portico/settings';
import { clientFor, loadContext, resolveCluster, resolveNode, type ContextFlags } from '../context';
import { show, table } from '../format';

export interface SettingsFlags extends ContextFlags {
  node?: string;
  /** The node's config.ini, for the local layer of `explain`. */
  config?: string;
}

function assertKey(key: string): SettingKey {
  if (!isSettingKey(key)) throw new Error(`unknown setting ${key}; settings: ${SETTING_KEYS.join(', ')}`);
  return key;
}

/** A value typed on the command line: JSON when it parses (4, true, ["md5","sha1"]), else the text itself. */
export function parseCliValue(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

async function target(flags: SettingsFlags) {
  const context = loadContext(flags);
  const client = clientFor(context);
  const cluster = await resolveCluster(client, flags.cluster ?? context.clusterId);
  const node = flags.node ? await resolveNode(client, cluster.id, flags.node) : undefined;
  return { client, cluster, node };
}

/** `portico settings set KEY VALUE [--node N]`: writes the cluster (or node) layer. */
export async function settingsSetCommand(key: string, value: string, flags: SettingsFlags): Promise<number> {
  const { client, cluster, node } = await target(flags);
  const parsed = parseCliValue(value);
  if (node) await client.setNodeSetting(node.id, assertKey(key), parsed);
  else await client.setClusterSetting(cluster.id, assertKey(key), parsed);
  console.log(`${key} set on ${node ? `node ${node.name}` : `cluster ${cluster.name}`}`);
  return 0;
}

/** `portico settings unset KEY [--node N]`: removes the value from that layer. */
export async function settingsUnsetCommand(key: string, flags: SettingsFlags): Promise<number> {
  const { client, cluster, node } = await target(flags);
  if (node) await client.deleteNodeSetting(node.id, assertKey(key));
  else await client.deleteClusterSetting(cluster.id, assertKey(key));
  console.log(`${key} unset on ${node ? `node ${node.name}` : `cluster ${cluster.name}`}`);
  return 0;
}

/** `portico settings get KEY`: the effective value for the cluster, or for one node. */
export async function settingsGetCommand(key: string, flags: SettingsFlags): Promise<number> {
  const explanation = await explainSetting(assertKey(key), flags);
  console.log(show(explanation.value));
  return 0;
}

/** `portico settings explain KEY`: every layer, and which one wins. */
export async function settingsExplainCommand(
  key: string,
  flags: SettingsFlags & { json?: boolean },
): Promise<number> {
  const explanation = await explainSetting(assertKey(key), flags);
  if (flags.json) {
    console.log(JSON.stringify(explanation, null, 2));
    return 0;
  }
  console.log(renderExplanation(explanation));
  return 0;
}

export function renderExplanation(explanation: SettingExplanation): string {
  const rows = explanation.layers.map((layer) => [
    layer.layer === explanation.winner ? '→' : '',
    layer.layer,
    layer.set ? show(layer.value) : '-',
    [
      layer.source,
      layer.overrides ? `overrides ${layer.overrides.source} = ${show(layer.overrides.value)}` : undefined,
    ]
      .filter(Boolean)
      .join('; '),
  ]);
  return [
    `${explanation.key} = ${show(explanation.value)}   (from ${explanation.winner}; allowed: ${explanation.allowed})`,
    table(['', 'layer', 'value', 'source'], rows),
  ].join('\n');
}

async function explainSetting(key: SettingKey, flags: SettingsFlags): Promise<SettingExplanation> {
  const { client, cluster, node } = await target(flags);
  const clusterSettings = (await client.getClusterSettings(cluster.id)).settings;
  const nodeSettings = node ? (await client.getNodeSettings(node.id)).settings : undefined;
  const configFile = flags.config ?? (node ? localNodeConfig(node.name) : undefined);
  const local = configFile
    ? loadLocalConfig({ argv: [], env: { PORTICO_CONFIG: configFile }, cwd: process.cwd() }).settings
    : undefined;
  return resolveSettings({ local, node: nodeSettings, cluster: clusterSettings }).explain(key);
}

/** A node of `portico up` keeps its config.ini under var/nodes/<name>/. */
function localNodeConfig(name: string): string | undefined {
  const file = path.join('var', 'nodes', name, 'config.ini');
  return existsSync(file) ? file : undefined;
}
