import { SettingsError } from './errors';
import { createSettingsState, type SettingsChange } from './settings-state';
import type { SettingKey } from './settings.catalogue';

function setup(initial = {}) {
  const listenerErrors: { error: unknown; changed: readonly SettingKey[] }[] = [];
  const state = createSettingsState(initial, {
    onListenerError: (error, changed) => listenerErrors.push({ error, changed }),
  });
  return { state, listenerErrors };
}

describe('createSettingsState', () => {
  it('resolves the initial layers', () => {
    const { state } = setup({ cluster: { checksum_max_workers: 3 } });
    expect(state.current.get('checksum_max_workers')).toBe(3);
  });

  it('refuses to start on invalid initial layers', () => {
    expect(() => setup({ node: { checksum_max_workers: 0 } })).toThrow(SettingsError);
  });

  it('returns changed keys and notifies only the subscribers of those keys', () => {
    const { state } = setup({ cluster: { checksum_max_workers: 2 } });
    const checksum: SettingsChange[] = [];
    const transfer: SettingsChange[] = [];
    const all: SettingsChange[] = [];
    state.subscribe(['checksum_max_workers', 'checksum_algorithms'], (c) => checksum.push(c));
    state.subscribe(['file_upload_parallel_uploads_num'], (c) => transfer.push(c));
    state.subscribe('*', (c) => all.push(c));

    const changed = state.update({ cluster: { checksum_max_workers: 6, scan_interval_seconds: 30 } });

    expect(changed.sort()).toEqual(['checksum_max_workers', 'scan_interval_seconds']);
    expect(checksum).toHaveLength(1);
    expect(checksum[0]?.changed).toEqual(['checksum_max_workers']);
    expect(checksum[0]?.previous.get('checksum_max_workers')).toBe(2);
    expect(checksum[0]?.current.get('checksum_max_workers')).toBe(6);
    expect(transfer).toHaveLength(0);
    expect(all[0]?.changed.slice().sort()).toEqual(['checksum_max_workers', 'scan_interval_seconds']);
    expect(state.current.get('checksum_max_workers')).toBe(6);
  });

  it('notifies nobody when the effective values do not change', () => {
    const { state } = setup({ local: {}, cluster: { checksum_max_workers: 4 } });
    const listener = jest.fn();
    state.subscribe('*', listener);
    // Same value from another layer: the effective value is unchanged.
    expect(state.update({ node: { checksum_max_workers: 4 } })).toEqual([]);
    // A lower layer changing under a higher one that wins: still unchanged.
    expect(state.update({ cluster: { checksum_max_workers: 9 } })).toEqual([]);
    expect(listener).not.toHaveBeenCalled();
  });

  it('keeps layers not named in an update', () => {
    const { state } = setup({ node: { checksum_max_workers: 5 }, cluster: { scan_interval_seconds: 90 } });
    state.update({ cluster: { scan_interval_seconds: 45 } });
    expect(state.current.get('checksum_max_workers')).toBe(5);
    expect(state.update({ node: {} })).toEqual(['checksum_max_workers']);
    expect(state.current.get('checksum_max_workers')).toBe(2);
  });

  it('keeps the previous settings in force and notifies nobody when an update is invalid', () => {
    const { state } = setup({ cluster: { checksum_max_workers: 3 } });
    const listener = jest.fn();
    state.subscribe('*', listener);
    const before = state.current;

    expect(() =>
      state.update({ cluster: { checksum_max_workers: 3, scan_interval_seconds: 'soon' } }),
    ).toThrow(/invalid scan_interval_seconds in cluster settings: "soon"/);
    expect(() => state.update({ node: { visibility_timeout: 30 } })).toThrow(SettingsError);

    expect(state.current).toBe(before);
    expect(state.current.get('checksum_max_workers')).toBe(3);
    expect(listener).not.toHaveBeenCalled();

    // A later good update is still applied relative to the last good state.
    expect(state.update({ cluster: { checksum_max_workers: 4 } })).toEqual(['checksum_max_workers']);
  });

  it('delivers to every listener when one throws, and reports the error', () => {
    const { state, listenerErrors } = setup();
    const boom = new Error('listener failed');
    const before = jest.fn();
    const after = jest.fn();
    state.subscribe('*', before);
    state.subscribe(['checksum_max_workers'], () => {
      throw boom;
    });
    state.subscribe(['checksum_max_workers'], after);

    expect(state.update({ node: { checksum_max_workers: 8 } })).toEqual(['checksum_max_workers']);
    expect(before).toHaveBeenCalledTimes(1);
    expect(after).toHaveBeenCalledTimes(1);
    expect(listenerErrors).toEqual([{ error: boom, changed: ['checksum_max_workers'] }]);
    expect(state.current.get('checksum_max_workers')).toBe(8);
  });

  it('survives an error reporter that throws', () => {
    const state = createSettingsState(
      {},
      {
        onListenerError: () => {
          throw new Error('reporter failed');
        },
      },
    );
    const after = jest.fn();
    state.subscribe('*', () => {
      throw new Error('listener failed');
    });
    state.subscribe('*', after);
    expect(() => state.update({ node: { checksum_max_workers: 8 } })).not.toThrow();
    expect(after).toHaveBeenCalledTimes(1);
  });

  it('stops notifying after unsubscribe, even during delivery', () => {
    const { state } = setup();
    const second = jest.fn();
    let unsubscribeSecond = () => {};
    const unsubscribeFirst = state.subscribe('*', () => unsubscribeSecond());
    unsubscribeSecond = state.subscribe('*', second);

    state.update({ node: { checksum_max_workers: 3 } });
    expect(second).toHaveBeenCalledTimes(1); // delivery uses a snapshot
    state.update({ node: { checksum_max_workers: 4 } });
    expect(second).toHaveBeenCalledTimes(1);

    unsubscribeFirst();
    const third = jest.fn();
    state.subscribe(['checksum_max_workers'], third);
    state.update({ node: { checksum_max_workers: 5 } });
    expect(third).toHaveBeenCalledTimes(1);
  });
});
