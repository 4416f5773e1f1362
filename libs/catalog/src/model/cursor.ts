// Lists are paged by a keyset on an identity column (seq), newest first. Rows inserted while a
// client pages get a higher seq, so they never shift the pages it has not read yet: no row is
// returned twice and none that existed when paging began is skipped.

const SEQ = /^[1-9]\d{0,18}$/;

/** Whether a cursor is one this API could have returned. */
export function isSeqCursor(cursor: string): boolean {
  return SEQ.test(cursor);
}

/** The page and the cursor of the next one, from `limit + 1` rows fetched in seq order. */
export function pageOf<R extends { seq: string }, T>(
  rows: readonly R[],
  limit: number,
  map: (row: R) => T,
): { items: T[]; nextCursor: string | null } {
  const page = rows.slice(0, limit);
  return {
    items: page.map(map),
    nextCursor: rows.length > limit ? (page[page.length - 1]?.seq ?? null) : null,
  };
}
