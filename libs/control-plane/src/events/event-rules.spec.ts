import { CreateEventBody } from '@portico/control-plane-client';
import { type EventContext, judgeEvent } from './event-rules';

const A = '00000000-0000-4000-8000-00000000000a';
const F = '00000000-0000-4000-8000-00000000000f';
const EXPORT = '00000000-0000-4000-8000-0000000000e0';
const PROXY = '00000000-0000-4000-8000-0000000000b0';

const context = (overrides: Partial<EventContext> = {}): EventContext => ({
  storage: { deletePolicy: 'storage-only' },
  objectStores: [
    { id: EXPORT, name: 'delivery', purpose: 'export' },
    { id: PROXY, name: 'proxies', purpose: 'proxy' },
  ],
  missing: { assetIds: [], fileIds: [] },
  ...overrides,
});

const parse = (body: unknown) => CreateEventBody.parse(body);

describe('event requests', () => {
  it('needs targets for every kind but rescan, and none for a rescan', () => {
    expect(CreateEventBody.safeParse({ kind: 'archive' }).error?.issues[0]?.message).toBe(
      'an event of kind archive needs assetIds or fileIds',
    );
    expect(CreateEventBody.safeParse({ kind: 'rescan', assetIds: [A] }).error?.issues[0]?.message).toMatch(
      /no targets/,
    );
    expect(parse({ kind: 'rescan', parameters: { directory: 'Projects/A' } })).toMatchObject({
      assetIds: [],
      fileIds: [],
    });
    expect(CreateEventBody.safeParse({ kind: 'rescan', parameters: { directory: '/abs' } }).success).toBe(
      false,
    );
    expect(
      CreateEventBody.safeParse({ kind: 'delete', assetIds: [A], parameters: { force: true } }).success,
    ).toBe(false);
  });

  it('names each target missing from the catalog', () => {
    const verdict = judgeEvent(
      parse({ kind: 'transcode', assetIds: [A], fileIds: [F] }),
      context({ missing: { assetIds: [A], fileIds: [F] } }),
    );
    expect(verdict).toEqual({
      ok: false,
      fields: [
        { path: 'assetIds.0', message: `asset ${A} is not in this cluster's catalog` },
        { path: 'fileIds.0', message: `file ${F} is not in this cluster's catalog` },
      ],
    });
  });

  it('exports only to an export store of the cluster', () => {
    expect(
      judgeEvent(parse({ kind: 'export', assetIds: [A], parameters: { objectStoreId: EXPORT } }), context()),
    ).toEqual({ ok: true });
    expect(
      judgeEvent(parse({ kind: 'export', assetIds: [A], parameters: { objectStoreId: PROXY } }), context()),
    ).toMatchObject({
      fields: [
        { path: 'parameters.objectStoreId', message: expect.stringMatching(/is a proxy store/) as unknown },
      ],
    });
    expect(
      judgeEvent(parse({ kind: 'export', assetIds: [A], parameters: { objectStoreId: A } }), context()),
    ).toMatchObject({
      fields: [{ path: 'parameters.objectStoreId' }],
    });
  });

  it('refuses what the cluster cannot do: no archive store, delete forbidden, no storage', () => {
    expect(judgeEvent(parse({ kind: 'archive', assetIds: [A] }), context())).toEqual({
      ok: false,
      conflict: expect.stringMatching(/no archive store/) as unknown,
    });
    const withArchive = context({ objectStores: [{ id: A, name: 'vault', purpose: 'archive' }] });
    expect(judgeEvent(parse({ kind: 'restore', fileIds: [F] }), withArchive)).toEqual({ ok: true });
    expect(
      judgeEvent(parse({ kind: 'delete', assetIds: [A] }), context({ storage: { deletePolicy: 'forbid' } })),
    ).toMatchObject({ conflict: expect.stringMatching(/delete policy is forbid/) as unknown });
    expect(judgeEvent(parse({ kind: 'delete', assetIds: [A] }), context())).toEqual({ ok: true });
    expect(judgeEvent(parse({ kind: 'rescan' }), context({ storage: undefined }))).toMatchObject({
      conflict: expect.stringMatching(/no storage/) as unknown,
    });
  });
});
