import { diffSettings, resolveSettings, type ResolvedSettings, type SettingsLayers } from './resolver';
import type { SettingKey } from './settings.catalogue';

/**
 * The settings a running node has in force, and who to tell when they change (SPEC 2.2:
 * concurrency changes live). Pure and synchronous: the caller feeds it new layers (from the
 * control plane poll or a Redis wake-up) and decides what to do when an update is rejected.
 */

export interface SettingsChange {
  /** The changed keys this listener subscribed to. */
  readonly changed: readonly SettingKey[];
  readonly previous: ResolvedSettings;
  readonly current: ResolvedSettings;
}

export type SettingsListener = (change: SettingsChange) => void;

export interface SettingsStateOptions {
  /**
   * Called when a listener throws. Other listeners still run and the update stands; the
   * caller decides whether a failed reaction is worth logging or stopping for.
   */
  readonly onListenerError: (error: unknown, changed: readonly SettingKey[]) => void;
}

export interface SettingsState {
  readonly current: ResolvedSettings;
  /**
   * Replaces the given layers (layers not named keep their current content) and resolves.
   * Returns the keys whose effective value changed, after notifying their subscribers.
   * On a bad value it throws SettingsError and the previous settings stay in force — a node
   * keeps running on values it could parse; whether to stop is the caller's decision.
   */
  update(layers: Partial<SettingsLayers>): SettingKey[];
  /** Listens to changes of some keys ('*' for all). Returns the unsubscribe function. */
  subscribe(keys: readonly SettingKey[] | '*', listener: SettingsListener): () => void;
}

/** Resolves `initial` (throws SettingsError when it is invalid) and holds the result. */
export function createSettingsState(initial: SettingsLayers, options: SettingsStateOptions): SettingsState {
  let current = resolveSettings(initial);
  const reportListenerError = (error: unknown, changed: readonly SettingKey[]) => {
    try {
      options.onListenerError(error, changed);
    } catch {
      // The error reporter failing must not stop delivery to the remaining listeners.
    }
  };
  const subscriptions = new Set<{ keys: ReadonlySet<SettingKey> | '*'; listener: SettingsListener }>();

  return {
    get current() {
      return current;
    },
    update(layers) {
      const next = resolveSettings({ ...current.layers, ...layers });
      const previous = current;
      const changed = diffSettings(previous, next);
      current = next;
      if (changed.length === 0) return changed;
      // A snapshot, so that a listener unsubscribing (or subscribing) during delivery is safe.
      for (const { keys, listener } of [...subscriptions]) {
        const relevant = keys === '*' ? changed : changed.filter((key) => keys.has(key));
        if (relevant.length === 0) continue;
        try {
          listener({ changed: relevant, previous, current: next });
        } catch (error) {
          reportListenerError(error, relevant);
        }
      }
      return changed;
    },
    subscribe(keys, listener) {
      const subscription = { keys: keys === '*' ? ('*' as const) : new Set(keys), listener };
      subscriptions.add(subscription);
      return () => {
        subscriptions.delete(subscription);
      };
    },
  };
}
