// ChecksumBatchRepository against real PostgreSQL through pgBouncer (transaction mode): a batch
// gives the catalog and the outcomes that recording its files one by one in seq order gives, in
// a constant number of statements, without deadlocks between overlapping batches, and with
// duplicate look-ups that go through the checksum indexes on a table never analysed.
import { createHash, randomUUID } from 'node:crypto';

import { createPool, inTransaction } from '@portico/db';
import { lockWaiters, rejectionOf, useTestDatabase, waitFor } from '@portico/testing';
import { type Pool, type PoolClient } from 'pg';

import { CatalogRepository, type IngestInput, type ObjectFileInput } from './catalog.repository';
import {
  type ChecksumBatchItem,
  ChecksumBatchRepository,
  type RecordedChecksums,
} from './checksum-batch.repository';
import { CatalogNotFoundError } from './errors';
import type { OutputFormatKind } from './model/catalog-model';
import type { SqlClient } from './sql-client';

const db = useTestDatabase();
let pool: Pool;
let otherPool: Pool;
const catalog = new CatalogRepository();
const batches = new ChecksumBatchRepository();
const T0 = new Date('2025-03-01T10:00:00.123Z');
const T1 = new Date('2025-03-02T10:00:00.456Z');

const md5 = (content: string): string => createHash('md5').update(content).digest('hex');
const sha1 = (content: string): string => createHash('sha1').update(content).digest('hex');

beforeAll(async () => {
  pool = createPool(db.url, { max: 4 });
  otherPool = createPool(db.url, { max: 4 });
  // The plan check needs a catalog the planner has no statistics of: no autovacuum ANALYZE here.
  for (const table of ['files', 'formats', 'assets'])
    await pool.query(`ALTER TABLE portico.${table} SET (autovacuum_enabled = false)`);
});

afterAll(async () => {
  await pool.end();
  await otherPool.end();
});

interface Cluster {
  clusterId: string;
  storageId: string;
  proxyStore: string;
}

async function newCluster(): Promise<Cluster> {
  const clusterId = randomUUID();
  const storageId = randomUUID();
  const proxyStore = randomUUID();
  await pool.query('INSERT INTO portico.clusters (id, name) VALUES ($1, $2)', [clusterId, `c-${clusterId}`]);
  await pool.query('INSERT INTO portico.storages (id, cluster_id, name) VALUES ($1, $2, $3)', [
    storageId,
    clusterId,
    'nas',
  ]);
  await pool.query(
    `INSERT INTO portico.object_stores (id, cluster_id, name, purpose, endpoint, region, bucket, access_key_id, secret_ref)
     VALUES ($1, $2, 'proxies', 'proxy', 'http://127.0.0.1:9000', 'us-east-1', 'bucket', 'AK', 'env:S3_SECRET')`,
    [proxyStore, clusterId],
  );
  return { clusterId, storageId, proxyStore };
}

/** Files of a cluster under labels, so that two clusters built alike can be compared. */
class Labelled {
  readonly files = new Map<string, { fileId: string; assetId: string }>();
  constructor(readonly cluster: Cluster) {}

  async ingest(entries: ReadonlyArray<[label: string, input: IngestInput]>): Promise<void> {
    const results = await catalog.ingestMany(
      pool,
      this.cluster.clusterId,
      this.cluster.storageId,
      entries.map(([, input]) => input),
    );
    results.forEach((result, n) => this.files.set(entries[n]![0], result));
  }

  id(label: string): string {
    const file = this.files.get(label);
    if (!file) throw new Error(`no file labelled ${label}`);
    return file.fileId;
  }

  assetOf(label: string): string {
    return this.files.get(label)!.assetId;
  }

  labelOf(fileId: string): string {
    for (const [label, file] of this.files) if (file.fileId === fileId) return label;
    throw new Error(`file ${fileId} has no label`);
  }

  async record(label: string, checksums: Record<string, string>): Promise<void> {
    await catalog.recordChecksums(pool, {
      clusterId: this.cluster.clusterId,
      fileId: this.id(label),
      checksums,
      linkDuplicatesBy: 'md5',
    });
  }
}

const file = (path: string, size = 10, mtime = T0): IngestInput => ({ path, size, mtime });
const EMPTY_MD5 = 'd41d8cd98f00b204e9800998ecf8427e';

/**
 * A catalog with every case of duplicate detection, and a batch over it (in no particular order):
 * new files, digests recorded before (equal, different), contents shared with older files (live,
 * removed, failed, themselves duplicates, later in seq), several new files with one content, a
 * file already linked, a new version of a path, zero-byte files, a failed file, a PROXY output.
 */
async function mixedScenario(): Promise<{
  scenario: Labelled;
  items: Array<[string, Record<string, string>]>;
}> {
  const scenario = new Labelled(await newCluster());
  const { clusterId } = scenario.cluster;
  await scenario.ingest([
    ['old/a', file('old/a.mov')],
    ['old/b-removed', file('old/b-removed.mov')],
    ['old/c-failed', file('old/c-failed.mov')],
    ['z-late', file('batch/z-late.mov')],
    ['old/e-removed', file('old/e-removed.mov')],
    ['old/e-dup', file('old/e-dup.mov')],
    ['old/f-later', file('old/f-later.mov')],
    ['g-early', file('batch/g-early.mov')],
    ['g-mismatch', file('batch/g-mismatch.mov')],
    ['g-late', file('batch/g-late.mov')],
    ['already-linked', file('batch/already-linked.mov')],
    ['equal', file('batch/equal.mov')],
    ['n1', file('batch/n1.mov')],
    ['n2', file('batch/n2.mov')],
    ['n3', file('batch/n3.mov')],
    ['a-copy', file('batch/a-copy.mov')],
    ['b-copy', file('batch/b-copy.mov')],
    ['c-copy', file('batch/c-copy.mov')],
    ['e-copy', file('batch/e-copy.mov')],
    ['h-copy', file('batch/h-copy.mov')],
    ['sha1-only', file('batch/sha1-only.mov')],
    ['clip-v1', file('v/clip.mov')],
  ]);
  await scenario.record('old/a', { md5: md5('A') });
  await scenario.record('old/b-removed', { md5: md5('B') });
  await catalog.markRemoved(pool, clusterId, [scenario.id('old/b-removed')]);
  await scenario.record('old/c-failed', { md5: md5('C') });
  await catalog.setFileStatus(pool, clusterId, scenario.id('old/c-failed'), 'failed', 'bad sectors');
  await scenario.record('old/e-removed', { md5: md5('E') });
  await catalog.markRemoved(pool, clusterId, [scenario.id('old/e-removed')]);
  await scenario.record('old/e-dup', { md5: md5('E') });
  await scenario.record('old/f-later', { md5: md5('F') });
  await scenario.record('g-mismatch', { md5: md5('G') });
  await scenario.record('already-linked', { md5: md5('A') });
  await scenario.record('equal', { md5: md5('H') });
  await scenario.record('clip-v1', { md5: md5('V') });
  // The clip changes on the storage (new mtime, same content): a new file row of the same asset.
  await scenario.ingest([['clip-v2', file('v/clip.mov', 10, T1)]]);
  await scenario.ingest([
    ['v-copy', file('batch/v-copy.mov')],
    ['empty-1', file('batch/empty-1.bin', 0)],
    ['empty-2', file('batch/empty-2.bin', 0)],
    ['prefailed', file('batch/prefailed.mov')],
    ['p-copy', file('batch/p-copy.mov')],
  ]);
  await catalog.setFileStatus(pool, clusterId, scenario.id('prefailed'), 'failed', 'could not open');
  const proxy = await catalog.addObjectFile(pool, {
    clusterId,
    assetId: scenario.assetOf('n1'),
    formatKind: 'PROXY',
    objectStoreId: scenario.cluster.proxyStore,
    objectKey: 'proxies/n1.mp4',
    size: 4,
    status: 'pending',
  });
  scenario.files.set('proxy-n1', { fileId: proxy.file.id, assetId: proxy.file.assetId });

  const items: Array<[string, Record<string, string>]> = [
    ['n3', { md5: md5('N') }],
    ['proxy-n1', { md5: md5('N') }],
    ['g-late', { md5: md5('G') }],
    ['equal', { md5: md5('H'), sha1: sha1('H') }],
    ['g-mismatch', { md5: md5('X'), sha1: sha1('X') }],
    ['n1', { md5: md5('N') }],
    ['a-copy', { md5: md5('A') }],
    ['z-late', { md5: md5('F') }],
    ['already-linked', { md5: md5('A').toUpperCase() }],
    ['g-early', { md5: md5('G') }],
    ['n2', { md5: md5('N') }],
    ['b-copy', { md5: md5('B') }],
    ['c-copy', { md5: md5('C') }],
    ['e-copy', { md5: md5('E') }],
    ['h-copy', { md5: md5('H') }],
    ['sha1-only', { sha1: sha1('S') }],
    ['clip-v2', { md5: md5('V') }],
    ['v-copy', { md5: md5('V') }],
    ['empty-2', { md5: EMPTY_MD5 }],
    ['empty-1', { md5: EMPTY_MD5 }],
    ['prefailed', { md5: md5('P') }],
    ['p-copy', { md5: md5('P') }],
  ];
  return { scenario, items };
}

function batchItems(
  scenario: Labelled,
  items: ReadonlyArray<[string, Record<string, string>]>,
): ChecksumBatchItem[] {
  return items.map(([label, checksums]) => ({ fileId: scenario.id(label), checksums }));
}

/** The catalog of a cluster by label: what a batch and the per-file path must leave alike. */
async function catalogState(scenario: Labelled) {
  const { rows: files } = await pool.query<{
    id: string;
    checksums: Record<string, string>;
    status: string;
    status_reason: string | null;
    duplicate_of: string | null;
    removed: boolean;
  }>(
    'SELECT id, checksums, status, status_reason, duplicate_of, removed FROM portico.files WHERE cluster_id = $1',
    [scenario.cluster.clusterId],
  );
  const { rows: assets } = await pool.query<{ path: string; status: string; removed: boolean }>(
    'SELECT path, status, removed FROM portico.assets WHERE cluster_id = $1 ORDER BY path',
    [scenario.cluster.clusterId],
  );
  return {
    files: files
      .map((row) => ({
        label: scenario.labelOf(row.id),
        checksums: row.checksums,
        status: row.status,
        statusReason: row.status_reason,
        duplicateOf: row.duplicate_of === null ? null : scenario.labelOf(row.duplicate_of),
        removed: row.removed,
      }))
      .sort((a, b) => a.label.localeCompare(b.label)),
    assets,
  };
}

async function assetPath(assetId: string): Promise<string> {
  const { rows } = await pool.query<{ path: string }>('SELECT path FROM portico.assets WHERE id = $1', [
    assetId,
  ]);
  return rows[0]!.path;
}

interface ComparableOutcome {
  mismatches: string[];
  duplicateOf: { file: string; asset: string } | null;
  asset: { path: string; status: string };
}

async function comparable(
  scenario: Labelled,
  outcome: Pick<RecordedChecksums, 'mismatches' | 'duplicateOf' | 'assetId'> & {
    asset: { id: string; status: string };
  },
): Promise<ComparableOutcome> {
  expect(outcome.asset.id).toBe(outcome.assetId);
  return {
    mismatches: outcome.mismatches,
    duplicateOf: outcome.duplicateOf && {
      file: scenario.labelOf(outcome.duplicateOf.fileId),
      asset: await assetPath(outcome.duplicateOf.assetId),
    },
    asset: { path: await assetPath(outcome.asset.id), status: outcome.asset.status },
  };
}

async function batchOutcomes(
  scenario: Labelled,
  recorded: Map<string, RecordedChecksums>,
): Promise<Record<string, ComparableOutcome>> {
  const out: Record<string, ComparableOutcome> = {};
  for (const [fileId, outcome] of recorded) {
    expect(outcome.fileId).toBe(fileId);
    out[scenario.labelOf(fileId)] = await comparable(scenario, outcome);
  }
  return out;
}

/** The reference: recordChecksums file after file in seq order, in one transaction. */
async function recordOneByOne(
  scenario: Labelled,
  items: ReadonlyArray<[string, Record<string, string>]>,
): Promise<Record<string, ComparableOutcome>> {
  const { clusterId } = scenario.cluster;
  const outcomes = await inTransaction(pool, async (client) => {
    const { rows } = await client.query<{ id: string }>(
      'SELECT id FROM portico.files WHERE id = ANY ($1::uuid[]) ORDER BY seq',
      [items.map(([label]) => scenario.id(label))],
    );
    const byId = new Map(items.map(([label, checksums]) => [scenario.id(label), checksums]));
    const recorded = [];
    for (const { id } of rows) {
      const outcome = await catalog.recordChecksums(client, {
        clusterId,
        fileId: id,
        checksums: byId.get(id)!,
        linkDuplicatesBy: 'md5',
      });
      recorded.push(outcome);
    }
    return recorded;
  });
  const out: Record<string, ComparableOutcome> = {};
  for (const outcome of outcomes) {
    const asset = (await catalog.getAsset(pool, outcome.file.assetId, clusterId))!.asset;
    out[scenario.labelOf(outcome.file.id)] = await comparable(scenario, {
      mismatches: outcome.mismatches,
      duplicateOf: outcome.duplicateOf,
      assetId: outcome.file.assetId,
      asset,
    });
  }
  return out;
}

/** A client that records the statements run through it. */
function counting(client: SqlClient): {
  client: SqlClient;
  statements: string[];
  calls: Array<{ text: string; values: unknown[] }>;
} {
  const statements: string[] = [];
  const calls: Array<{ text: string; values: unknown[] }> = [];
  return {
    statements,
    calls,
    client: {
      query: (text, values) => {
        statements.push(text);
        calls.push({ text, values: values ?? [] });
        return client.query(text, values);
      },
    },
  };
}

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

function planNodes(node: PlanNode): PlanNode[] {
  return [node, ...(node.Plans ?? []).flatMap(planNodes)];
}

// First in the file, while the tables have never been analysed (autovacuum is off for them).
describe('plans on a catalog never analysed', () => {
  // So the leader does not refresh the catalog's statistics during a bulk ingest (StatisticsKeeper):
  // neither the ingest nor the recording of a batch depends on them.
  it('ingest and record find rows by key and duplicates through the md5 index, among 20,000 files of the cluster', async () => {
    const big = new Labelled(await newCluster());
    for (let chunk = 0; chunk < 20; chunk += 1)
      await catalog.ingestMany(
        pool,
        big.cluster.clusterId,
        big.cluster.storageId,
        Array.from({ length: 1000 }, (_, n) => file(`bulk/${chunk}/${n}.mov`)),
      );
    await pool.query(
      `UPDATE portico.files SET checksums = jsonb_build_object('md5', md5(path)), status = 'checksummed'
        WHERE cluster_id = $1`,
      [big.cluster.clusterId],
    );
    const { rows: stats } = await pool.query<{ relname: string; analysed: boolean; reltuples: number }>(
      `SELECT s.relname, (s.last_analyze IS NOT NULL OR s.last_autoanalyze IS NOT NULL) AS analysed, c.reltuples
         FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
        WHERE s.schemaname = 'portico' AND s.relname IN ('assets', 'files', 'formats') ORDER BY s.relname`,
    );
    expect(stats).toEqual(
      ['assets', 'files', 'formats'].map((relname) => ({ relname, analysed: false, reltuples: -1 })),
    );

    const plans = await inTransaction(pool, async (client) => {
      const counted = counting(client);
      // 100 new files (the scan's ingest), half of them copies of bulk files (so the look-ups find something).
      const ingested = await catalog.ingestMany(
        counted.client,
        big.cluster.clusterId,
        big.cluster.storageId,
        Array.from({ length: 100 }, (_, n) => file(`new/${n}.mov`)),
      );
      const items = ingested.map((result, n) => ({
        fileId: result.fileId,
        checksums: { md5: n % 2 === 0 ? md5(`bulk/3/${n}.mov`) : md5(`new content ${n}`) },
      }));
      const assetIds = ingested.map((result) => result.assetId);
      const recorded = await batches.recordChecksumsMany(counted.client, {
        clusterId: big.cluster.clusterId,
        items,
        linkDuplicatesBy: 'md5',
      });
      expect([...recorded.values()].filter((outcome) => outcome.duplicateOf !== null)).toHaveLength(50);
      await batches.expectOutputsMany(
        counted.client,
        big.cluster.clusterId,
        assetIds.slice(0, 50).map((assetId) => ({ assetId, kinds: ['PROXY'] })),
      );
      expect(await batches.markReadyIfCompleteMany(counted.client, big.cluster.clusterId, assetIds)).toEqual(
        assetIds.slice(50),
      );
      const explained = [];
      for (const { text, values } of counted.calls) {
        const { rows } = await client.query<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }>(
          `EXPLAIN (FORMAT JSON) ${text}`,
          values,
        );
        explained.push({ text, nodes: planNodes(rows[0]!['QUERY PLAN'][0]!.Plan) });
      }
      return explained;
    });

    expect(plans).toHaveLength(7);
    for (const { text, nodes } of plans) {
      const scans = nodes
        .filter((node) => node['Node Type'] === 'Seq Scan' || node['Index Name'] !== undefined)
        .map((node) => node['Index Name'] ?? `Seq Scan on ${node['Relation Name'] ?? '?'}`);
      // Neither a scan of a whole table, nor of the whole cluster through an index led by cluster_id,
      // nor of the whole proxy store through files_object_idx.
      expect({
        text,
        scans: scans.filter((scan) => /^Seq Scan|_cluster_|files_object_idx/.test(scan)),
      }).toEqual({ text, scans: [] });
    }
    const record = plans.find((plan) => plan.text.includes('json_to_recordset'))!;
    expect(record.nodes.filter((node) => node['Index Name'] === 'files_md5_idx')).not.toHaveLength(0);
  });
});

describe('recordChecksumsMany', () => {
  it('leaves the catalog and outcomes of recording each file in seq order with recordChecksums', async () => {
    const { scenario: batched, items } = await mixedScenario();
    const { scenario: oneByOne } = await mixedScenario();
    const foreign = new Labelled(await newCluster());
    await foreign.ingest([['elsewhere', file('elsewhere.mov')]]);

    const before = await catalogState(batched);
    expect(await catalogState(oneByOne)).toEqual(before);

    const recorded = await inTransaction(pool, (client) =>
      batches.recordChecksumsMany(client, {
        clusterId: batched.cluster.clusterId,
        items: [
          ...batchItems(batched, items.slice(0, 5)),
          { fileId: foreign.id('elsewhere'), checksums: { md5: md5('A') } },
          ...batchItems(batched, items.slice(5)),
        ],
        linkDuplicatesBy: 'md5',
      }),
    );
    // A file of another cluster is left out; the others come in the order given.
    expect([...recorded.keys()]).toEqual(items.map(([label]) => batched.id(label)));
    const expected = await recordOneByOne(oneByOne, items);
    const actual = await batchOutcomes(batched, recorded);
    expect(actual).toEqual(expected);
    expect(await catalogState(batched)).toEqual(await catalogState(oneByOne));

    // What that is, spelled out for the cases that matter.
    const linkOf = (label: string) => actual[label]!.duplicateOf?.file ?? null;
    expect(
      Object.fromEntries(
        [
          'n1',
          'n2',
          'n3',
          'proxy-n1',
          'g-early',
          'g-mismatch',
          'g-late',
          'equal',
          'h-copy',
          'a-copy',
          'already-linked',
          'z-late',
          'b-copy',
          'c-copy',
          'e-copy',
          'clip-v2',
          'v-copy',
          'empty-1',
          'empty-2',
          'prefailed',
          'p-copy',
          'sha1-only',
        ].map((label) => [label, linkOf(label)]),
      ),
    ).toEqual({
      n1: null, // the oldest of three new copies stays the original...
      n2: 'n1', // ...the others link to it
      n3: 'n1',
      'proxy-n1': null, // not an original
      'g-early': 'g-mismatch', // recorded before the batch (higher seq), not failed yet at g-early's turn
      'g-mismatch': null, // a mismatch: failed, never linked
      'g-late': 'g-early', // g-mismatch failed by then; g-early is a duplicate itself, but the only one left
      equal: null,
      'h-copy': 'equal',
      'a-copy': 'old/a',
      'already-linked': 'old/a', // its existing link
      'z-late': 'old/f-later', // an original with a higher seq, recorded before
      'b-copy': 'old/b-removed', // a removed original is better than none
      'c-copy': null, // never a failed one
      'e-copy': 'old/e-removed', // an original that is not a duplicate wins over a live duplicate
      'clip-v2': null, // the previous version is the same asset
      'v-copy': 'clip-v2', // the live version wins over the removed one
      'empty-1': null,
      'empty-2': 'empty-1',
      prefailed: null,
      'p-copy': null, // prefailed stays failed
      'sha1-only': null, // no md5
    });
    expect(actual['g-mismatch']!.mismatches).toEqual(['md5']);
    const state = await catalogState(batched);
    const fileState = (label: string) => state.files.find((row) => row.label === label)!;
    expect(fileState('g-mismatch')).toMatchObject({
      status: 'failed',
      checksums: { md5: md5('G'), sha1: sha1('X') },
      statusReason: expect.stringMatching(/^checksum mismatch \(md5\)/) as unknown,
    });
    expect(fileState('prefailed')).toMatchObject({ status: 'failed', statusReason: 'could not open' });
    expect(fileState('proxy-n1')).toMatchObject({ status: 'pending', checksums: { md5: md5('N') } });
    expect(fileState('empty-2')).toMatchObject({ status: 'empty', duplicateOf: 'empty-1' });
    expect(actual['n1']!.asset).toEqual({ path: 'batch/n1.mov', status: 'checksummed' });
    expect(actual['empty-1']!.asset).toEqual({ path: 'batch/empty-1.bin', status: 'empty' });
    expect(actual['prefailed']!.asset.status).toBe('checksummed');
  });

  it('never links a file to a file already linked to it, so recording a batch again changes no link', async () => {
    const scenario = new Labelled(await newCluster());
    await scenario.ingest([
      ['first', file('first.mov')],
      ['second', file('second.mov')],
      ['third', file('third.mov')],
    ]);
    // "second" was recorded before; "first" is older but recorded only now, with the same content.
    await scenario.record('second', { md5: md5('same') });
    const items = batchItems(scenario, [
      ['third', { md5: md5('same') }],
      ['second', { md5: md5('same') }],
      ['first', { md5: md5('same') }],
    ]);
    const record = () =>
      inTransaction(pool, (client) =>
        batches.recordChecksumsMany(client, {
          clusterId: scenario.cluster.clusterId,
          items,
          linkDuplicatesBy: 'md5',
        }),
      );
    const links = async () =>
      Object.fromEntries(
        (await catalogState(scenario)).files.map((row) => [row.label, row.duplicateOf]),
      ) as Record<string, string | null>;

    await record();
    // first → second (the only candidate at its turn); second keeps being the original; third → second.
    expect(await links()).toEqual({ first: 'second', second: null, third: 'second' });
    const again = await record();
    expect(await links()).toEqual({ first: 'second', second: null, third: 'second' });
    expect([...again.values()].map((outcome) => outcome.duplicateOf?.fileId ?? null)).toEqual([
      scenario.id('second'),
      null,
      scenario.id('second'),
    ]);
  });

  it('issues as many statements for 100 files as for 2', async () => {
    const scenario = new Labelled(await newCluster());
    await scenario.ingest(
      Array.from({ length: 102 }, (_, n) => [`f${n}`, file(`count/${n}.mov`)] as [string, IngestInput]),
    );
    const run = (labels: string[], content: string) =>
      inTransaction(pool, async (client) => {
        const counted = counting(client);
        const recorded = await batches.recordChecksumsMany(counted.client, {
          clusterId: scenario.cluster.clusterId,
          // Every third file shares its content with the one before: links within the batch.
          items: labels.map((label, n) => ({
            fileId: scenario.id(label),
            checksums: { md5: md5(`${content} ${n - (n % 3 === 2 ? 1 : 0)}`) },
          })),
          linkDuplicatesBy: 'md5',
        });
        return { statements: counted.statements.length, recorded };
      });
    const two = await run(['f100', 'f101'], 'two');
    const hundred = await run(
      Array.from({ length: 100 }, (_, n) => `f${n}`),
      'hundred',
    );
    expect(two.recorded.size).toBe(2);
    expect(hundred.recorded.size).toBe(100);
    expect([...hundred.recorded.values()].filter((outcome) => outcome.duplicateOf !== null)).toHaveLength(33);
    expect(hundred.statements).toBe(two.statements);
    expect(hundred.statements).toBeLessThanOrEqual(4);
  });

  it('lets two transactions record the same files in opposite orders: one waits, no deadlock, no double link', async () => {
    const { scenario: racing, items: mixed } = await mixedScenario();
    const { scenario: oneByOne } = await mixedScenario();
    // Without the failed file that a second record would link to a file recorded after it (p-copy):
    // then recording the batch twice must leave what recording it once leaves.
    const items = mixed.filter(([label]) => label !== 'prefailed');
    const forward = batchItems(racing, items);
    const backward = [...forward].reverse();
    const record = (client: PoolClient, batchItemsInOrder: ChecksumBatchItem[]) =>
      batches.recordChecksumsMany(client, {
        clusterId: racing.cluster.clusterId,
        items: batchItemsInOrder,
        linkDuplicatesBy: 'md5',
      });

    const first = await pool.connect();
    const second = await otherPool.connect();
    let firstOutcomes: Map<string, RecordedChecksums>;
    let secondOutcomes: Map<string, RecordedChecksums>;
    try {
      await first.query('BEGIN');
      firstOutcomes = await record(first, forward);
      await second.query('BEGIN');
      const pending = record(second, backward);
      await waitFor(async () => (await lockWaiters(db)) > 0, {
        description: "the second batch waits on the first one's file locks",
      });
      await first.query('COMMIT');
      secondOutcomes = await pending;
      await second.query('COMMIT');
    } finally {
      first.release();
      second.release();
    }

    const expected = await recordOneByOne(oneByOne, items);
    expect(await batchOutcomes(racing, firstOutcomes)).toEqual(expected);
    expect(await catalogState(racing)).toEqual(await catalogState(oneByOne));
    // The second batch saw the first one's links: it reports them and made none of its own.
    const again = await batchOutcomes(racing, secondOutcomes);
    expect(Object.keys(again).sort()).toEqual(Object.keys(expected).sort());
    for (const [label, outcome] of Object.entries(again))
      expect([label, outcome.duplicateOf]).toEqual([label, expected[label]!.duplicateOf]);
  });

  it('lets overlapping batches race freely without a deadlock, ending as recorded once', async () => {
    for (let round = 0; round < 3; round += 1) {
      const scenario = new Labelled(await newCluster());
      const labels = Array.from({ length: 40 }, (_, n) => `f${n}`);
      await scenario.ingest(
        labels.map((label, n) => [label, file(`race/${n}.mov`)] as [string, IngestInput]),
      );
      // Ten contents, four files each.
      const items = labels.map((label, n) => ({
        fileId: scenario.id(label),
        checksums: { md5: md5(String(n % 10)) },
      }));
      const record = (target: Pool, ordered: ChecksumBatchItem[]) =>
        inTransaction(target, (client) =>
          batches.recordChecksumsMany(client, {
            clusterId: scenario.cluster.clusterId,
            items: ordered,
            linkDuplicatesBy: 'md5',
          }),
        );
      const shuffled = [...items].sort((a, b) => a.fileId.localeCompare(b.fileId));
      const results = await Promise.allSettled([
        record(pool, [...items].reverse()),
        record(otherPool, shuffled),
      ]);
      expect(results.map((result) => result.status)).toEqual(['fulfilled', 'fulfilled']);

      const links = Object.fromEntries(
        (await catalogState(scenario)).files.map((row) => [row.label, row.duplicateOf]),
      );
      // The first file of each content is the original, the three later ones link to it.
      expect(links).toEqual(
        Object.fromEntries(labels.map((label, n) => [label, n < 10 ? null : `f${n % 10}`])),
      );
    }
  });

  it('makes a batch that waited for another one see what that one committed outside its own files', async () => {
    const scenario = new Labelled(await newCluster());
    await scenario.ingest([
      ['z', file('z.mov')],
      ['x', file('x.mov')],
      ['y', file('y.mov')],
    ]);
    const record = (client: PoolClient, labels: string[]) =>
      batches.recordChecksumsMany(client, {
        clusterId: scenario.cluster.clusterId,
        items: labels.map((label) => ({ fileId: scenario.id(label), checksums: { md5: md5('same') } })),
        linkDuplicatesBy: 'md5',
      });
    const first = await pool.connect();
    const second = await otherPool.connect();
    try {
      await first.query('BEGIN');
      await record(first, ['z', 'x']);
      await second.query('BEGIN');
      const pending = record(second, ['x', 'y']);
      await waitFor(async () => (await lockWaiters(db)) > 0, {
        description: "the second batch waits on the first one's lock of x",
      });
      await first.query('COMMIT');
      const outcomes = await pending;
      await second.query('COMMIT');
      // z, outside the second batch, was recorded by the first one meanwhile: y links to it, not to x.
      expect([...outcomes.values()].map((outcome) => outcome.duplicateOf?.fileId)).toEqual([
        scenario.id('z'),
        scenario.id('z'),
      ]);
    } finally {
      first.release();
      second.release();
    }
    const links = Object.fromEntries(
      (await catalogState(scenario)).files.map((row) => [row.label, row.duplicateOf]),
    );
    expect(links).toEqual({ x: 'z', y: 'z', z: null });
  });

  it("lets two batches link into each other's locked files at once without a deadlock", async () => {
    const scenario = new Labelled(await newCluster());
    await scenario.ingest([
      ['a1', file('a/1.mov')],
      ['b1', file('b/1.mov')],
      ['a2', file('a/2.mov')],
      ['b2', file('b/2.mov')],
    ]);
    await scenario.record('a1', { md5: md5('P') });
    await scenario.record('b1', { md5: md5('Q') });
    // Each batch holds its files while it links a new file to a file the other batch holds.
    let arrived = 0;
    let release = (): void => undefined;
    const bothAtLink = new Promise<void>((resolve) => {
      release = resolve;
    });
    const gated = (client: SqlClient): SqlClient => ({
      query: async (text, values) => {
        if (text.includes('original_id')) {
          arrived += 1;
          if (arrived === 2) release();
          await bothAtLink;
        }
        return client.query(text, values);
      },
    });
    const record = (target: Pool, items: Array<[string, Record<string, string>]>) =>
      inTransaction(target, (client) =>
        batches.recordChecksumsMany(gated(client), {
          clusterId: scenario.cluster.clusterId,
          items: batchItems(scenario, items),
          linkDuplicatesBy: 'md5',
        }),
      );
    const results = await Promise.allSettled([
      record(pool, [
        ['a1', { md5: md5('P') }],
        ['a2', { md5: md5('Q') }],
      ]),
      record(otherPool, [
        ['b1', { md5: md5('Q') }],
        ['b2', { md5: md5('P') }],
      ]),
    ]);
    expect(results.map((result) => (result.status === 'rejected' ? String(result.reason) : 'ok'))).toEqual([
      'ok',
      'ok',
    ]);
    const links = Object.fromEntries(
      (await catalogState(scenario)).files.map((row) => [row.label, row.duplicateOf]),
    );
    expect(links).toEqual({ a1: null, a2: 'b1', b1: null, b2: 'a1' });
  });

  it('refuses bad batches before touching the catalog, naming the file', async () => {
    const scenario = new Labelled(await newCluster());
    await scenario.ingest([
      ['a', file('a.mov')],
      ['b', file('b.mov')],
    ]);
    const clusterId = scenario.cluster.clusterId;
    const a = scenario.id('a');
    const b = scenario.id('b');
    const refuse = async (batch: Parameters<ChecksumBatchRepository['recordChecksumsMany']>[1]) => {
      const counted = counting(pool);
      const error = await rejectionOf(batches.recordChecksumsMany(counted.client, batch), RangeError);
      expect(counted.statements).toEqual([]);
      return error.message;
    };
    expect(
      await refuse({
        clusterId,
        items: [
          { fileId: a, checksums: { md5: md5('1') } },
          { fileId: a, checksums: { md5: md5('1') } },
        ],
      }),
    ).toContain(`file ${a} is given twice`);
    expect(await refuse({ clusterId, items: [{ fileId: b, checksums: {} }] })).toContain(
      `no checksums given for file ${b}`,
    );
    expect(await refuse({ clusterId, items: [{ fileId: b, checksums: { md5: 'xyz' } }] })).toMatch(
      new RegExp(`file ${b}: a md5 digest is 32 hex digits`),
    );
    expect(
      await refuse({
        clusterId,
        items: [{ fileId: b, checksums: { md5: md5('1') } }],
        linkDuplicatesBy: 'crc32' as 'md5',
      }),
    ).toContain('unknown checksum algorithm "crc32"');
    expect(await batches.recordChecksumsMany(pool, { clusterId, items: [] })).toEqual(new Map());
    // Unknown files only: nothing is recorded.
    expect(
      await batches.recordChecksumsMany(pool, {
        clusterId: randomUUID(),
        items: [{ fileId: a, checksums: { md5: md5('1') } }],
      }),
    ).toEqual(new Map());
    expect((await catalogState(scenario)).files.map((row) => row.status)).toEqual([
      'registered',
      'registered',
    ]);
  });

  it('records without duplicate detection when no algorithm is given, and reports no link', async () => {
    const scenario = new Labelled(await newCluster());
    await scenario.ingest([
      ['a', file('a.mov')],
      ['b', file('b.mov')],
    ]);
    const recorded = await inTransaction(pool, (client) =>
      batches.recordChecksumsMany(client, {
        clusterId: scenario.cluster.clusterId,
        items: batchItems(scenario, [
          ['a', { md5: md5('same') }],
          ['b', { md5: md5('same') }],
        ]),
      }),
    );
    expect([...recorded.values()].map((outcome) => [outcome.duplicateOf, outcome.asset.status])).toEqual([
      [null, 'checksummed'],
      [null, 'checksummed'],
    ]);
    expect((await catalogState(scenario)).files.map((row) => row.duplicateOf)).toEqual([null, null]);
  });
});

describe('recordChecksumsMany with readyKinds', () => {
  it('makes a registered asset of a kind with nothing to make ready in the same write, and only that', async () => {
    const scenario = new Labelled(await newCluster());
    const { clusterId } = scenario.cluster;
    await scenario.ingest([
      ['plain', file('plain.bin')],
      ['clip', file('clip.mov')],
      ['planned', file('planned.bin')],
      ['again', file('again.bin')],
      ['mismatch', file('mismatch.bin')],
    ]);
    // An output planned for one (a transcode asked for by hand), one recorded before, one whose
    // digest will not match the one recorded before.
    await inTransaction(pool, (client) =>
      batches.expectOutputsMany(client, clusterId, [
        { assetId: scenario.assetOf('planned'), kinds: ['PROXY'] },
      ]),
    );
    await scenario.record('again', { md5: md5('again') });
    await scenario.record('mismatch', { md5: md5('first') });
    await pool.query("UPDATE portico.assets SET status = 'registered' WHERE id = $1", [
      scenario.assetOf('mismatch'),
    ]);

    const recorded = await inTransaction(pool, (client) =>
      batches.recordChecksumsMany(client, {
        clusterId,
        items: batchItems(scenario, [
          ['plain', { md5: md5('plain') }],
          ['clip', { md5: md5('clip') }],
          ['planned', { md5: md5('planned') }],
          ['again', { md5: md5('again') }],
          ['mismatch', { md5: md5('second') }],
        ]),
        linkDuplicatesBy: 'md5',
        readyKinds: ['other', 'unknown'],
      }),
    );
    const statuses = Object.fromEntries(
      [...recorded.values()].map((outcome) => [scenario.labelOf(outcome.fileId), outcome.asset.status]),
    );
    expect(statuses).toEqual({
      plain: 'ready',
      clip: 'checksummed',
      planned: 'checksummed',
      // Checksummed before: left to markReadyIfCompleteMany, as without readyKinds.
      again: 'checksummed',
      mismatch: 'registered',
    });
    const { rows } = await pool.query<{ status: string }>('SELECT status FROM portico.assets WHERE id = $1', [
      scenario.assetOf('plain'),
    ]);
    expect(rows).toEqual([{ status: 'ready' }]);
  });
});

describe('expectOutputsMany and markReadyIfCompleteMany', () => {
  function output(
    cluster: Cluster,
    assetId: string,
    formatKind: OutputFormatKind,
    status: ObjectFileInput['status'],
  ) {
    return {
      clusterId: cluster.clusterId,
      assetId,
      formatKind,
      objectStoreId: cluster.proxyStore,
      objectKey: `${assetId}/${formatKind}`,
      size: 4,
      status,
    };
  }

  async function assets() {
    const scenario = new Labelled(await newCluster());
    await scenario.ingest([
      ['video', file('video.mov')],
      ['notes', file('notes.txt')],
      ['waiting', file('waiting.mov')],
      ['broken', file('broken.mov')],
      ['done', file('done.mov')],
      ['already', file('already.mov')],
    ]);
    await inTransaction(pool, (client) =>
      batches.recordChecksumsMany(client, {
        clusterId: scenario.cluster.clusterId,
        items: batchItems(scenario, [
          ['video', { md5: md5('video') }],
          ['notes', { md5: md5('notes') }],
          ['broken', { md5: md5('broken') }],
          ['done', { md5: md5('done') }],
          ['already', { md5: md5('already') }],
        ]),
      }),
    );
    await catalog.setAssetStatus(pool, scenario.cluster.clusterId, scenario.assetOf('broken'), 'failed', 'x');
    await catalog.setAssetStatus(pool, scenario.cluster.clusterId, scenario.assetOf('already'), 'ready');
    return scenario;
  }

  const statusOf = async (scenario: Labelled, label: string) =>
    (await catalog.getAsset(pool, scenario.assetOf(label), scenario.cluster.clusterId))!.asset.status;

  it('plans outputs and makes ready exactly the checksummed assets whose outputs are stored', async () => {
    const scenario = await assets();
    const { cluster } = scenario;
    const asset = (label: string) => scenario.assetOf(label);
    const counted = counting(pool);
    await batches.expectOutputsMany(counted.client, cluster.clusterId, [
      { assetId: asset('video'), kinds: ['PROXY', 'KEYFRAMES'] },
      { assetId: asset('done'), kinds: ['PROXY'] },
      { assetId: asset('video'), kinds: ['POSTER', 'PROXY'] },
      { assetId: asset('notes'), kinds: [] },
    ]);
    expect(counted.statements).toHaveLength(1);
    // Idempotent, as expectOutputs.
    await batches.expectOutputsMany(pool, cluster.clusterId, [{ assetId: asset('video'), kinds: ['PROXY'] }]);
    const kinds = async (label: string) =>
      (await catalog.getAsset(pool, asset(label)))!.formats.map((format) => format.kind);
    expect(await kinds('video')).toEqual(['ORIGINAL', 'PROXY', 'KEYFRAMES', 'POSTER']);
    expect(await kinds('done')).toEqual(['ORIGINAL', 'PROXY']);
    expect(await kinds('notes')).toEqual(['ORIGINAL']);

    await catalog.addObjectFile(pool, output(cluster, asset('done'), 'PROXY', 'stored'));
    await catalog.addObjectFile(pool, output(cluster, asset('video'), 'PROXY', 'stored'));
    await catalog.addObjectFile(pool, output(cluster, asset('video'), 'KEYFRAMES', 'stored'));
    await catalog.addObjectFile(pool, output(cluster, asset('video'), 'POSTER', 'pending'));

    const all = ['already', 'video', 'broken', 'notes', 'waiting', 'done'].map(asset);
    const check = () =>
      inTransaction(pool, async (client) => {
        const counted = counting(client);
        const ids = await batches.markReadyIfCompleteMany(counted.client, cluster.clusterId, all);
        return { ids, statements: counted.statements.length };
      });
    const firstCheck = await check();
    // notes has no output planned; done's only output is stored; in the order given.
    expect(firstCheck.ids).toEqual([asset('notes'), asset('done')]);
    expect(firstCheck.statements).toBe(2);
    expect(
      Object.fromEntries(
        await Promise.all(
          ['already', 'video', 'broken', 'notes', 'waiting', 'done'].map(async (label) => [
            label,
            await statusOf(scenario, label),
          ]),
        ),
      ),
    ).toEqual({
      already: 'ready',
      video: 'checksummed',
      broken: 'failed',
      notes: 'ready',
      waiting: 'registered',
      done: 'ready',
    });

    await catalog.addObjectFile(pool, output(cluster, asset('video'), 'POSTER', 'stored'));
    expect((await check()).ids).toEqual([asset('video')]);
    expect((await check()).ids).toEqual([]);
    expect(await statusOf(scenario, 'video')).toBe('ready');
  });

  it('refuses assets of another cluster and kinds that are not outputs, changing nothing', async () => {
    const scenario = await assets();
    const other = await newCluster();
    const video = scenario.assetOf('video');
    const notes = scenario.assetOf('notes');
    const missing = await rejectionOf(
      batches.expectOutputsMany(pool, other.clusterId, [{ assetId: video, kinds: ['PROXY'] }]),
      CatalogNotFoundError,
    );
    expect(missing.message).toContain(video);
    const partly = await rejectionOf(
      batches.expectOutputsMany(pool, scenario.cluster.clusterId, [
        { assetId: video, kinds: ['PROXY'] },
        { assetId: randomUUID(), kinds: ['PROXY'] },
      ]),
      CatalogNotFoundError,
    );
    expect(partly.message).toContain('no output was planned');
    await expect(
      batches.expectOutputsMany(pool, scenario.cluster.clusterId, [
        { assetId: video, kinds: ['ORIGINAL' as OutputFormatKind] },
      ]),
    ).rejects.toThrow(/"ORIGINAL" is not an output format/);
    expect((await catalog.getAsset(pool, video))!.formats.map((format) => format.kind)).toEqual(['ORIGINAL']);

    const stranger = randomUUID();
    const notReady = await rejectionOf(
      inTransaction(pool, (client) =>
        batches.markReadyIfCompleteMany(client, scenario.cluster.clusterId, [notes, stranger]),
      ),
      CatalogNotFoundError,
    );
    expect(notReady.message).toContain(stranger);
    expect(await statusOf(scenario, 'notes')).toBe('checksummed');
    expect(await batches.markReadyIfCompleteMany(pool, scenario.cluster.clusterId, [])).toEqual([]);
  });

  it('is not fooled by two transactions storing the last two outputs at once: the second one makes it ready', async () => {
    const scenario = await assets();
    const { cluster } = scenario;
    const video = scenario.assetOf('video');
    const notes = scenario.assetOf('notes');
    await batches.expectOutputsMany(pool, cluster.clusterId, [
      { assetId: video, kinds: ['PROXY', 'POSTER'] },
    ]);
    await catalog.addObjectFile(pool, output(cluster, video, 'PROXY', 'pending'));
    await catalog.addObjectFile(pool, output(cluster, video, 'POSTER', 'pending'));
    const first = await pool.connect();
    const second = await otherPool.connect();
    try {
      await first.query('BEGIN');
      await catalog.addObjectFile(first, output(cluster, video, 'PROXY', 'stored'));
      expect(await batches.markReadyIfCompleteMany(first, cluster.clusterId, [video])).toEqual([]);

      await second.query('BEGIN');
      await catalog.addObjectFile(second, output(cluster, video, 'POSTER', 'stored'));
      const pending = batches.markReadyIfCompleteMany(second, cluster.clusterId, [notes, video]);
      await waitFor(async () => (await lockWaiters(db)) > 0, {
        description: "the second check waits on the first one's lock of the asset",
      });
      await first.query('COMMIT');
      // Counted after the first commit: both outputs are stored.
      expect(await pending).toEqual([notes, video]);
      await second.query('COMMIT');
    } finally {
      first.release();
      second.release();
    }
    expect(await statusOf(scenario, 'video')).toBe('ready');
  });
});
