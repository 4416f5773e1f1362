import { Controller, Get, type Type } from '@nestjs/common';
import type { SettingExplanation } from '@portico/settings';
import type { NodeRuntime } from './node-runtime';

export interface NodeSettingsResponse {
  /** The control plane's version of the node and cluster layers this node runs with. */
  version: string;
  /** Every setting: its effective value, the winning layer and every layer (sensitive values masked). */
  settings: SettingExplanation[];
}

/**
 * `GET /settings` on every node: what this node runs with right now, and from which layer.
 * Built around the runtime it reports on (rather than injected), so that run-node.ts can
 * register it without an import cycle through the injection tokens.
 */
export function nodeSettingsController(runtime: Pick<NodeRuntime, 'settings' | 'settingsVersion'>): Type {
  @Controller('settings')
  class NodeSettingsController {
    @Get()
    settings(): NodeSettingsResponse {
      return { version: runtime.settingsVersion(), settings: runtime.settings.current.explainAll() };
    }
  }
  return NodeSettingsController;
}
