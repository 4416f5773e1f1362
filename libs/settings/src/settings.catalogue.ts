import { z } from 'zod';
import type { Role } from './roles';
import { enumList, integer, splitList, stringList, urlWithScheme } from './values';

/**
 * Every setting of SPEC 2.3, declared once as data: its schema (type and range), default,
 * who it applies to and which layers may set it. The resolver, the config.ini parser, the
 * environment contract and `portico settings` all read this table.
 */

export const CHECKSUM_ALGORITHMS = ['md5', 'sha1', 'sha256', 'xxh64', 'xxh3'] as const;
export type ChecksumAlgorithm = (typeof CHECKSUM_ALGORITHMS)[number];

/** 'any': local, node and cluster layers may set it; 'cluster': only the cluster layer. */
export type SettingScope = 'any' | 'cluster';
/** A role, 'leader' (the MAIN leader only) or 'all-nodes'. */
export type SettingTarget = Role | 'leader' | 'all-nodes';

export interface SettingDefinition<S extends z.ZodType = z.ZodType, D = unknown> {
  readonly key: string;
  /** Accepts text (ini, env) and JSON (control plane) and yields the typed value. */
  readonly schema: S;
  readonly default: D;
  /** What the schema accepts, in words, for error messages. */
  readonly allowed: string;
  readonly description: string;
  readonly appliesTo: readonly SettingTarget[];
  readonly scope: SettingScope;
  /** Masked wherever shown (errors, explain, logs). */
  readonly sensitive: boolean;
  readonly unit?: string;
  /**
   * A cluster-only setting a node may still override locally through a [main] key (and its
   * environment variable) rather than through [settings]; e.g. database-url for db_connection_uri.
   */
  readonly localOverride?: { readonly iniKey: string; readonly env: string };
}

function setting<S extends z.ZodType, const D extends z.output<S> | undefined>(
  definition: Omit<SettingDefinition<S, D>, 'key' | 'sensitive'> & { sensitive?: boolean },
): Omit<SettingDefinition<S, D>, 'key'> {
  return { sensitive: false, ...definition };
}

function intSetting(min: number, max: number, unit?: string) {
  return { schema: integer(min, max), allowed: `integer ${min}..${max}${unit ? ` (${unit})` : ''}` };
}

function globList() {
  return stringList().superRefine((patterns, ctx) => {
    for (const pattern of patterns) {
      const problem = globProblem(pattern.trim());
      if (problem) ctx.addIssue({ code: 'custom', message: `pattern "${pattern}" ${problem}` });
    }
    if (patterns.length > 1000) ctx.addIssue({ code: 'custom', message: 'more than 1000 patterns' });
  });
}

function globProblem(pattern: string): string | undefined {
  if (pattern.length > 1024) return 'is longer than 1024 characters';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f]/.test(pattern)) return 'contains a control character';
  let square = 0;
  let curly = 0;
  for (const ch of pattern) {
    if (ch === '[') square += 1;
    if (ch === ']') square -= 1;
    if (ch === '{') curly += 1;
    if (ch === '}') curly -= 1;
    if (square < 0 || curly < 0) return 'has a closing bracket without an opening one';
  }
  if (square !== 0 || curly !== 0) return 'has an unclosed [ or {';
  return undefined;
}

// Even dimensions: H.264 with 4:2:0 chroma cannot encode odd widths or heights.
const evenInt = (min: number, max: number) =>
  z
    .int()
    .min(min)
    .max(max)
    .refine((n) => n % 2 === 0, { error: 'must be even' });

const proxyProfile = z.strictObject({
  width: evenInt(16, 7680).default(1280),
  height: evenInt(16, 4320).default(720),
  videoCodec: z.literal('h264').default('h264'),
  videoBitrateKbps: z.int().min(100).max(100_000).default(3000),
  audioCodec: z.literal('aac').default('aac'),
  audioBitrateKbps: z.int().min(32).max(512).default(128),
});

const keyframesProfile = z.strictObject({
  intervalSeconds: z.int().min(1).max(3600).default(10),
  width: evenInt(16, 7680).default(640),
  format: z.literal('jpeg').default('jpeg'),
});

const posterProfile = z.strictObject({
  width: evenInt(16, 7680).default(1280),
  format: z.literal('jpeg').default('jpeg'),
  /** Where in the clip the poster frame is taken, as a percentage of its duration. */
  offsetPercent: z.int().min(0).max(100).default(10),
});

/**
 * Transcode profiles. Sections and fields left out take their built-in defaults (not the
 * values of a lower layer: a layer that sets transcode_profiles sets the whole structure).
 */
const transcodeProfiles = z.preprocess(
  (v, ctx) => {
    if (typeof v !== 'string') return v;
    try {
      return JSON.parse(v) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'is not valid JSON' });
      return z.NEVER;
    }
  },
  z.strictObject(
    {
      proxy: proxyProfile.prefault({}),
      keyframes: keyframesProfile.prefault({}),
      poster: posterProfile.prefault({}),
    },
    { error: (issue) => (issue.code === 'invalid_type' ? 'must be a JSON object' : undefined) },
  ),
);

export type TranscodeProfiles = z.output<typeof transcodeProfiles>;

export const DEFAULT_TRANSCODE_PROFILES: TranscodeProfiles = transcodeProfiles.parse({});

const catalogue = {
  checksum_max_workers: setting({
    ...intSetting(1, 64, 'jobs'),
    default: 2,
    description: 'Checksum jobs a node runs at once.',
    appliesTo: ['CHECKSUM'],
    scope: 'any',
    unit: 'jobs',
  }),
  checksum_algorithms: setting({
    schema: enumList(CHECKSUM_ALGORITHMS, { min: 1 }),
    allowed: `non-empty list of distinct ${CHECKSUM_ALGORITHMS.join(', ')}`,
    default: ['md5'],
    description: 'Checksums computed for every file, in one read.',
    appliesTo: ['CHECKSUM'],
    scope: 'any',
  }),
  scanner_concurrency_value: setting({
    ...intSetting(1, 64),
    default: 4,
    description: 'Directories the leader walks in parallel while scanning.',
    appliesTo: ['leader'],
    scope: 'any',
  }),
  scan_interval_seconds: setting({
    ...intSetting(1, 86_400, 'seconds'),
    default: 60,
    description: 'Time between the end of a scan and the start of the next.',
    appliesTo: ['leader'],
    scope: 'any',
    unit: 'seconds',
  }),
  growing_files_threshold_seconds: setting({
    ...intSetting(0, 86_400, 'seconds'),
    default: 10,
    description: 'A file is ingested once its size and mtime have not changed for this long.',
    appliesTo: ['leader'],
    scope: 'any',
    unit: 'seconds',
  }),
  ignore_patterns: setting({
    schema: globList(),
    allowed: 'comma-separated list (or JSON array) of glob patterns; commas inside {} or [] do not split',
    default: ['.DS_Store', '._*', 'Thumbs.db', '*.tmp', '.portico'],
    description: 'Files and directories the scanner skips.',
    appliesTo: ['leader'],
    scope: 'any',
  }),
  max_deletions_per_scan: setting({
    ...intSetting(0, 10_000_000, 'files'),
    default: 1000,
    description: 'Mount-loss guard: above this many removals in one scan, deletions wait for an operator.',
    appliesTo: ['leader'],
    scope: 'any',
    unit: 'files',
  }),
  file_download_parallel_downloads_num: setting({
    ...intSetting(1, 64, 'transfers'),
    default: 4,
    description: 'Downloads (restores) a node runs at once.',
    appliesTo: ['TRANSFER'],
    scope: 'any',
    unit: 'transfers',
  }),
  file_upload_parallel_uploads_num: setting({
    ...intSetting(1, 64, 'transfers'),
    default: 4,
    description: 'Uploads (proxies, archives, exports) a node runs at once.',
    appliesTo: ['TRANSFER'],
    scope: 'any',
    unit: 'transfers',
  }),
  max_transcoding_jobs: setting({
    ...intSetting(1, 32, 'jobs per profile'),
    default: 1,
    description: 'Transcode jobs a node runs at once, per transcode profile.',
    appliesTo: ['TRANSCODE'],
    scope: 'any',
    unit: 'jobs per profile',
  }),
  transcode_profiles: setting({
    schema: transcodeProfiles,
    allowed:
      'JSON object {proxy:{width,height,videoCodec:"h264",videoBitrateKbps,audioCodec:"aac",audioBitrateKbps},' +
      ' keyframes:{intervalSeconds,width,format:"jpeg"}, poster:{width,format:"jpeg",offsetPercent}}; omitted fields take defaults',
    default: DEFAULT_TRANSCODE_PROFILES,
    description: 'What the transcode role makes: a browse proxy, keyframes and a poster.',
    appliesTo: ['TRANSCODE'],
    scope: 'any',
  }),
  db_connection_uri: setting({
    schema: urlWithScheme(['postgres:', 'postgresql:']),
    allowed: 'postgres:// or postgresql:// URL (usually pgBouncer)',
    default: undefined,
    description: 'The cluster database, as every node reaches it.',
    appliesTo: ['all-nodes'],
    scope: 'cluster',
    sensitive: true,
    localOverride: { iniKey: 'database-url', env: 'PORTICO_DATABASE_URL' },
  }),
  visibility_timeout: setting({
    ...intSetting(10, 86_400, 'seconds'),
    default: 60,
    description: 'How long a job lease lasts before another node may take the job.',
    appliesTo: ['all-nodes'],
    scope: 'cluster',
    unit: 'seconds',
  }),
};

type Catalogue = typeof catalogue;
export type SettingKey = keyof Catalogue;

type ValueOf<E> =
  E extends Omit<SettingDefinition<infer S, infer D>, 'key'>
    ? undefined extends D
      ? z.output<S> | undefined
      : z.output<S>
    : never;

/** The effective, typed value of every setting. */
export type SettingValues = { [K in SettingKey]: ValueOf<Catalogue[K]> };

export const SETTINGS: { readonly [K in SettingKey]: Catalogue[K] & { readonly key: K } } = Object.freeze(
  Object.fromEntries(Object.entries(catalogue).map(([key, def]) => [key, Object.freeze({ key, ...def })])),
) as { readonly [K in SettingKey]: Catalogue[K] & { readonly key: K } };

export const SETTING_KEYS = Object.keys(catalogue) as SettingKey[];

export function isSettingKey(key: string): key is SettingKey {
  return Object.hasOwn(catalogue, key);
}

export function settingDefinition(key: SettingKey): SettingDefinition {
  return SETTINGS[key];
}

/** PORTICO_CHECKSUM_MAX_WORKERS for checksum_max_workers. */
export function settingEnvName(key: SettingKey): string {
  return `PORTICO_${key.toUpperCase()}`;
}

/** The defaults, for `portico settings explain` and tests. */
export function defaultSettings(): SettingValues {
  return Object.fromEntries(SETTING_KEYS.map((k) => [k, SETTINGS[k].default])) as SettingValues;
}

// Re-exported so that callers splitting a list the same way (e.g. a CLI) need not guess.
export { splitList };
