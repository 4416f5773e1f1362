import { z } from 'zod';
import { Id, IsoTime, Name, SettingsMap } from './common';

/**
 * A cluster as the API shows it. Cluster settings include the cluster-only keys
 * `db_connection_uri` (sensitive: masked for admins, clear only in a node's own `/nodes/me`)
 * and `visibility_timeout`.
 */
export const Cluster = z.object({
  id: Id,
  name: Name,
  settings: SettingsMap,
  /** Bumped on every change of the cluster or its settings; nodes poll with it. */
  settingsVersion: z.number().int(),
  createdAt: IsoTime,
  updatedAt: IsoTime,
});
export type Cluster = z.infer<typeof Cluster>;

export const CreateClusterBody = z.object({ name: Name, settings: SettingsMap.optional() }).strict();
export type CreateClusterBody = z.infer<typeof CreateClusterBody>;

export const UpdateClusterBody = z.object({ name: Name.optional() }).strict();
export type UpdateClusterBody = z.infer<typeof UpdateClusterBody>;

/** PUT /clusters/:id/settings/:key and /nodes/:id/settings/:key. */
export const SetSettingBody = z.object({ value: z.unknown() }).strict();
export type SetSettingBody = z.infer<typeof SetSettingBody>;
