// Names of one folder that a Mac (NFD, case-insensitive by default) or a Windows client would
// see as one file. Both stay in the index under their exact names; the pair is reported so an
// operator can rename one.
import type { ScanIssue } from './scan-issue';
import { childPath } from './walk';

/** A folder with more names than this is only checked within its first names (bounded memory). */
export const COLLISION_CHECK_LIMIT = 200_000;

const NON_ASCII = /[\u0080-\uffff]/;

export class NameCollisionDetector {
  private readonly seen = new Map<string, string>();

  constructor(
    private readonly dir: string,
    private readonly limit = COLLISION_CHECK_LIMIT,
  ) {}

  /** Records `name`; returns the issue when it collides with a name recorded before. */
  add(name: string): ScanIssue | undefined {
    const ascii = !NON_ASCII.test(name);
    const normalized = ascii ? name : name.normalize('NFC');
    const key = normalized.toLowerCase();
    const earlier = this.seen.get(key);
    if (earlier === undefined) {
      if (this.seen.size < this.limit) this.seen.set(key, name);
      return undefined;
    }
    const path = childPath(this.dir, name);
    const other = childPath(this.dir, earlier);
    if ((ascii ? earlier : earlier.normalize('NFC')) === normalized) {
      return {
        path,
        kind: 'unicode-collision',
        message:
          `"${path}" and "${other}" differ only by Unicode normalization (NFC/NFD): macOS clients ` +
          'see them as one file. Both are kept under their exact names; rename one of them.',
      };
    }
    return {
      path,
      kind: 'case-collision',
      message:
        `"${path}" and "${other}" differ only by letter case: clients on case-insensitive file ` +
        'systems (macOS, Windows) see them as one file. Both are kept; rename one of them.',
    };
  }
}
