/** The job types a node consumes (SPEC 1). A node holds any non-empty combination. */
export const ROLES = ['MAIN', 'CHECKSUM', 'TRANSCODE', 'TRANSFER'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}
