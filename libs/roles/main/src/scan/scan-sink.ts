// The scanner's output port. The scanner decides what changed; the sink turns it into catalogue
// rows and ingest jobs. It is called inside the scanner's fenced transaction, the one that also
// updates the file index: the index and the ingest it triggers commit together or not at all,
// which is what makes every version ingested exactly once, even across leader changes.
import type { PoolClient } from 'pg';

export type ScanChange =
  /** A stable version of a file, ready to ingest (checksum, then transcode unless `empty`). */
  | {
      readonly kind: 'ingest';
      /** Relative to the storage root, exactly as the file system names it. */
      readonly path: string;
      readonly size: number;
      readonly mtimeMs: number;
      readonly inode: string;
      /** Zero bytes: register it with its explicit status, never transcode it. */
      readonly empty: boolean;
      /** 'new': the catalogue does not know this path; 'modified': a new version of a known file. */
      readonly reason: 'new' | 'modified';
    }
  /** A known file moved (same inode and size, old path gone): its asset follows, no new ingest. */
  | { readonly kind: 'move'; readonly from: string; readonly to: string }
  /** A known file is gone from the storage (applied only when the storage looks mounted). */
  | { readonly kind: 'remove'; readonly path: string };

export abstract class ScanSink {
  /**
   * Applies one batch of changes with `client`, inside the scanner's fenced transaction. Throwing
   * rolls back the whole batch (index included); the scanner retries it on its next run.
   */
  abstract apply(client: PoolClient, changes: readonly ScanChange[]): Promise<void>;
}
