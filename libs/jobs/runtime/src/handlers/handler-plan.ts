// Which handler serves which queue, decided once at start-up. An app refuses to start when a job
// type its roles consume has no handler or two, or when a handler serves a job type of a role the
// node does not hold: each is a wiring mistake that would otherwise show up as work that silently
// never runs (or runs twice as fast as configured) in production.
import { type JobDefinition, type JobRole } from '@portico/jobs-contracts';

export interface HandlerCandidate {
  readonly def: JobDefinition;
  /** Where it was found, for the error message, e.g. `ChecksumHandler.checksumFile`. */
  readonly where: string;
}

export class HandlerDiscoveryError extends Error {
  override readonly name = 'HandlerDiscoveryError';
}

/** The job types a node with `roles` consumes. */
export function consumedJobs(
  roles: readonly JobRole[],
  catalogue: readonly JobDefinition[],
): JobDefinition[] {
  return catalogue.filter((def) => roles.includes(def.role));
}

export function planHandlers<H extends HandlerCandidate>(
  consumed: readonly JobDefinition[],
  candidates: readonly H[],
): Map<string, H> {
  const byName = new Map<string, H[]>();
  for (const candidate of candidates) {
    byName.set(candidate.def.name, [...(byName.get(candidate.def.name) ?? []), candidate]);
  }
  const problems: string[] = [];
  const plan = new Map<string, H>();
  for (const def of consumed) {
    const found = byName.get(def.name) ?? [];
    if (found.length === 0) problems.push(`no handler for job "${def.name}" (role ${def.role})`);
    else if (found.length > 1)
      problems.push(
        `${found.length} handlers for job "${def.name}": ${found.map((h) => h.where).join(', ')}`,
      );
    else plan.set(def.name, found[0]!);
  }
  const consumedNames = new Set(consumed.map((def) => def.name));
  for (const candidate of candidates) {
    if (!consumedNames.has(candidate.def.name)) {
      problems.push(
        `${candidate.where} handles "${candidate.def.name}" of role ${candidate.def.role}, which this node does not hold`,
      );
    }
  }
  if (problems.length > 0) {
    throw new HandlerDiscoveryError(`Job handlers are miswired: ${problems.join('; ')}.`);
  }
  return plan;
}
