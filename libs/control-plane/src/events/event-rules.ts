// What a requested event needs from its cluster before it is queued, so that the leader only
// ever receives work it can do: its targets exist, the stores it uses exist and allow it.
import type { CreateEventBody, DeletePolicy, ObjectStorePurpose } from '@portico/control-plane-client';
import type { z } from 'zod';
import type { FieldProblem } from '../common/api-errors';

export type EventRequest = z.output<typeof CreateEventBody>;

export interface EventContext {
  /** The cluster's storage, if it has one. */
  readonly storage: { readonly deletePolicy: DeletePolicy } | undefined;
  readonly objectStores: ReadonlyArray<{
    readonly id: string;
    readonly name: string;
    readonly purpose: ObjectStorePurpose;
  }>;
  /** Targets that are not in the cluster's catalog. */
  readonly missing: { readonly assetIds: readonly string[]; readonly fileIds: readonly string[] };
}

export type EventVerdict =
  | { readonly ok: true }
  /** The request itself is wrong (→ 400 naming the fields). */
  | { readonly ok: false; readonly fields: FieldProblem[] }
  /** The request is fine but the cluster cannot do it now (→ 409 saying what to set up). */
  | { readonly ok: false; readonly conflict: string };

export function judgeEvent(request: EventRequest, context: EventContext): EventVerdict {
  const fields: FieldProblem[] = [
    ...request.assetIds.flatMap((id, n) =>
      context.missing.assetIds.includes(id)
        ? [{ path: `assetIds.${n}`, message: `asset ${id} is not in this cluster's catalog` }]
        : [],
    ),
    ...request.fileIds.flatMap((id, n) =>
      context.missing.fileIds.includes(id)
        ? [{ path: `fileIds.${n}`, message: `file ${id} is not in this cluster's catalog` }]
        : [],
    ),
  ];
  if (request.kind === 'export') {
    const store = context.objectStores.find((s) => s.id === request.parameters.objectStoreId);
    if (!store)
      fields.push({
        path: 'parameters.objectStoreId',
        message: `object store ${request.parameters.objectStoreId} is not an object store of this cluster`,
      });
    else if (store.purpose !== 'export')
      fields.push({
        path: 'parameters.objectStoreId',
        message: `object store "${store.name}" is a ${store.purpose} store; export to a store with purpose export`,
      });
  }
  if (fields.length > 0) return { ok: false, fields };

  switch (request.kind) {
    case 'archive':
    case 'restore':
      return context.objectStores.some((s) => s.purpose === 'archive')
        ? { ok: true }
        : {
            ok: false,
            conflict: `the cluster has no archive store to ${request.kind} with; add an object store with purpose archive`,
          };
    case 'delete':
      return context.storage?.deletePolicy === 'forbid'
        ? { ok: false, conflict: "the storage's delete policy is forbid; change it to allow delete events" }
        : { ok: true };
    case 'rescan':
      return context.storage
        ? { ok: true }
        : { ok: false, conflict: 'the cluster has no storage to rescan; create its storage first' };
    case 'transcode':
    case 'export':
      return { ok: true };
  }
}
