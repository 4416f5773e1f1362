// The pure side of watching: which folders get a watch under the cap, what a failed watch means,
// and what the operator is told when a system limit or the file system keeps watches from working.
import type { WatchProblem } from './storage-watcher';

export interface WatchPlan {
  /** The folders to watch besides the root, shallowest first (input order among equals). */
  readonly chosen: string[];
  /** Folders given (distinct, root excluded) that the cap leaves unwatched. */
  readonly unwatched: number;
}

/**
 * The folders to watch with `maxWatches` watches, one of which is the root's: the shallowest,
 * since a watch on a folder also sees its sub-folders appear and vanish.
 */
export function planWatches(directories: readonly string[], maxWatches: number): WatchPlan {
  const distinct = [...new Set(directories.filter(isRelativeFolder))];
  const room = Math.max(0, Math.floor(maxWatches) - 1);
  if (distinct.length <= room) return { chosen: sortByDepth(distinct), unwatched: 0 };
  const chosen = sortByDepth(distinct).slice(0, room);
  return { chosen, unwatched: distinct.length - chosen.length };
}

/** Components of a relative path ('' for the root: 0). */
export function depthOf(path: string): number {
  if (path === '') return 0;
  let depth = 1;
  for (let at = path.indexOf('/'); at >= 0; at = path.indexOf('/', at + 1)) depth += 1;
  return depth;
}

function sortByDepth(paths: string[]): string[] {
  return paths
    .map((path, order) => ({ path, order, depth: depthOf(path) }))
    .sort((a, b) => a.depth - b.depth || a.order - b.order)
    .map((entry) => entry.path);
}

/** A folder path the walker could have listed: relative, no empty, `.` or `..` component. */
function isRelativeFolder(path: string): boolean {
  if (path === '' || path.startsWith('/') || path.endsWith('/')) return false;
  return path.split('/').every((part) => part !== '' && part !== '.' && part !== '..');
}

/**
 * What a failed watch means. `limit`: a system limit, every further watch would fail too (stop
 * adding). `skip`: this folder only (gone, replaced by a file, not readable): its parent's watch
 * reports it going, and the next scan refreshes the set.
 */
export function watchFailure(code: string | undefined): 'limit' | 'skip' {
  return code === 'ENOSPC' || code === 'EMFILE' || code === 'ENFILE' || code === 'ENOMEM' ? 'limit' : 'skip';
}

export interface LimitContext {
  readonly code: string;
  readonly platform: NodeJS.Platform;
  readonly root: string;
  /** Folders watched when the limit was hit (root included). */
  readonly watched: number;
  /** Folders left unwatched because of it. */
  readonly unwatched: number;
  /** The current value of the limit named, when it could be read (e.g. /proc/sys/fs/inotify/max_user_watches). */
  readonly current?: number | null;
}

/** The warning for a system limit: which one, what it costs, what to raise. */
export function limitProblem(context: LimitContext): WatchProblem {
  const { code, platform, root, watched, unwatched, current } = context;
  const value = current === undefined || current === null ? '' : ` = ${current}`;
  const cost =
    watched === 0
      ? `nothing on ${root} is watched: scans run every scan_interval_seconds only`
      : `${watched} folders of ${root} are watched, ${unwatched} are not: changes in those wait for the interval scan (scan_interval_seconds)`;
  let what: string;
  let raise: string;
  if (code === 'ENOSPC' && platform === 'linux') {
    what = `the inotify watch limit of this user is reached (fs.inotify.max_user_watches${value}, shared by every process of the user)`;
    raise =
      'raise it, e.g. `sysctl fs.inotify.max_user_watches=524288` and the same line in /etc/sysctl.d/ to keep it';
  } else if (code === 'EMFILE' && platform === 'linux') {
    what = `no inotify instance or file descriptor is left (fs.inotify.max_user_instances${value}, or this process's open-files limit)`;
    raise =
      'raise `sysctl fs.inotify.max_user_instances` or the open-files limit (`ulimit -n`, LimitNOFILE= in a systemd unit, `--ulimit nofile=` in Docker)';
  } else if (code === 'EMFILE') {
    what = "this process's open-files limit is reached";
    raise = 'raise it (`ulimit -n`; on macOS also `launchctl limit maxfiles`)';
  } else if (code === 'ENFILE') {
    what = 'the system-wide open-files table is full';
    raise = 'raise fs.file-max (Linux) or kern.maxfiles (macOS), or find what holds so many files open';
  } else {
    what = `the kernel refused another watch (${code}: out of kernel memory or a watch limit)`;
    raise = 'free memory or raise the watch limit of the system';
  }
  return {
    reason: 'limit',
    code,
    message: `watching for changes stopped: ${what}; ${cost}. To watch them, ${raise}.`,
  };
}

/** The root could not be watched for another reason than a limit. */
export function unavailableProblem(root: string, code: string | null, error: string): WatchProblem {
  return {
    reason: 'unavailable',
    code,
    message:
      `${root} cannot be watched for changes (${error}): scans run every scan_interval_seconds only. ` +
      'Check that the storage is mounted and readable; watching is tried again after the next scan.',
  };
}

/**
 * Linux file-system magic numbers (statfs f_type, linux/magic.h) of network file systems: they do
 * not report other clients' writes, and a watch's path lookup blocks the event loop when the server
 * hangs, so they are not watched.
 */
const NETWORK_FILE_SYSTEMS = new Map<number, string>([
  [0x6969, 'NFS'],
  [0x517b, 'SMB'],
  [0xff534d42, 'CIFS'],
  [0xfe534d42, 'SMB2'],
  [0x00c36400, 'Ceph'],
  [0x5346414f, 'AFS'],
  [0x6b414653, 'AFS'],
  [0x01021997, '9P'],
  [0x73757245, 'Coda'],
  [0x564c, 'NCP'],
]);

/** The network file system a Linux statfs type names, or null. */
export function networkFileSystem(type: number | bigint): string | null {
  const magic = Number(BigInt.asUintN(32, BigInt(type)));
  return NETWORK_FILE_SYSTEMS.get(magic) ?? null;
}

export function networkProblem(root: string, fileSystem: string): WatchProblem {
  return {
    reason: 'network-file-system',
    code: null,
    message:
      `${root} is on ${fileSystem}, a network file system that does not report other clients' writes: ` +
      'it is not watched, scans run every scan_interval_seconds (lower it for quicker pick-up).',
  };
}
