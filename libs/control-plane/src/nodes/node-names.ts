/** Node names are at most 100 characters (the Name contract). */
const MAX_NAME = 100;

/**
 * A name for a node registering with a join token: the proposed name if it is free in the
 * cluster, else the name with the first free suffix "-2", "-3", … (replicas of one service
 * usually propose the same name, e.g. their hostname pattern).
 */
export function uniqueNodeName(proposed: string, taken: ReadonlySet<string>): string {
  const base = proposed.trim();
  if (!taken.has(base)) return base;
  for (let n = 2; ; n += 1) {
    const suffix = `-${n}`;
    const candidate = `${base.slice(0, MAX_NAME - suffix.length)}${suffix}`;
    if (!taken.has(candidate)) return candidate;
  }
}

/** The version of what GET /nodes/me returns, which is also its ETag (without quotes). */
export function selfVersion(clusterSettingsVersion: number, nodeSettingsVersion: number): string {
  return `${clusterSettingsVersion}.${nodeSettingsVersion}`;
}

/**
 * Whether an If-None-Match header matches the current ETag (RFC 9110 weak comparison: `W/`
 * is ignored; `*` matches anything; a list matches if any member does).
 */
export function etagMatches(ifNoneMatch: string | undefined, version: string): boolean {
  if (!ifNoneMatch) return false;
  return ifNoneMatch
    .split(',')
    .map((tag) => tag.trim().replace(/^W\//, ''))
    .some((tag) => tag === '*' || tag === `"${version}"`);
}
