import { Cluster, type CreateClusterBody, type UpdateClusterBody } from './contracts/clusters';
import { ApiErrorBody, Page } from './contracts/common';
import { type LogBatch, type LogQuery, StoredLogEntry } from './contracts/logs';
import {
  CreateNodeBody,
  Node,
  NodeSelf,
  type RegisterNodeBody,
  RegisterNodeResponse,
  type UpdateNodeBody,
} from './contracts/nodes';
import { ClusterStatus } from './contracts/status';
import {
  DeadLetterActionResult,
  DeadLetterList,
  type DeadLetterSelection,
  JobDetail,
  JobsOverview,
} from './contracts/jobs';
import { TelemetryAck, type TelemetryReport } from './contracts/telemetry';
import { CreatedToken, type CreateTokenBody, TokenInfo } from './contracts/tokens';
import {
  Asset,
  AssetDetail,
  type AssetQuery,
  CatalogFile,
  type ChecksumLookupQuery,
  FileList,
  type FileQuery,
} from './contracts/catalog';
import { CatalogEvent, type CreateEventBody, type EventQuery } from './contracts/events';
import {
  type CreateObjectStoreBody,
  ObjectStore,
  type UpdateObjectStoreBody,
} from './contracts/object-stores';
import {
  type CreateStorageBody,
  NodeStorageView,
  Storage,
  type UpdateStorageBody,
} from './contracts/storages';
import {
  type ApproveRemovalsBody,
  RemovalApproval,
  RemovalList,
  type RemovalQuery,
} from './contracts/removals';
import { ControlPlaneError, ControlPlaneUnreachableError } from './errors';
import { z } from 'zod';

export interface ControlPlaneClientOptions {
  baseUrl: string;
  /** Admin, node or join token, sent as `Authorization: Bearer …`. */
  token?: string;
  timeoutMs?: number;
  /** For tests and proxies; defaults to the global fetch. */
  fetch?: typeof fetch;
}

const Ping = z.object({ status: z.literal('ok'), databaseTime: z.string(), time: z.string() });
const ClusterList = z.object({ items: z.array(Cluster) });
const NodeList = z.object({ items: z.array(Node) });
const TokenList = z.object({ items: z.array(TokenInfo) });
const Settings = z.object({ settings: z.record(z.string(), z.unknown()) });

/**
 * Typed client of the control-plane REST API (`/api/v1`). Every response is validated against
 * the same schemas the server uses, so a contract drift fails loudly instead of silently.
 */
export class ControlPlaneClient {
  private readonly baseUrl: string;
  private readonly fetchImpl: typeof fetch;

  constructor(private readonly options: ControlPlaneClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.fetchImpl = options.fetch ?? fetch;
  }

  /** The same client with another token (e.g. after registering with a join token). */
  withToken(token: string): ControlPlaneClient {
    return new ControlPlaneClient({ ...this.options, token });
  }

  ping() {
    return this.request('GET', '/api/v1/ping', Ping);
  }

  // Clusters (admin)
  createCluster(body: CreateClusterBody) {
    return this.request('POST', '/api/v1/clusters', Cluster, body);
  }
  listClusters() {
    return this.request('GET', '/api/v1/clusters', ClusterList);
  }
  getCluster(clusterId: string) {
    return this.request('GET', `/api/v1/clusters/${enc(clusterId)}`, Cluster);
  }
  updateCluster(clusterId: string, body: UpdateClusterBody) {
    return this.request('PATCH', `/api/v1/clusters/${enc(clusterId)}`, Cluster, body);
  }
  deleteCluster(clusterId: string) {
    return this.request('DELETE', `/api/v1/clusters/${enc(clusterId)}`, null);
  }
  getClusterSettings(clusterId: string) {
    return this.request('GET', `/api/v1/clusters/${enc(clusterId)}/settings`, Settings);
  }
  setClusterSetting(clusterId: string, key: string, value: unknown) {
    return this.request('PUT', `/api/v1/clusters/${enc(clusterId)}/settings/${enc(key)}`, Settings, {
      value,
    });
  }
  deleteClusterSetting(clusterId: string, key: string) {
    return this.request('DELETE', `/api/v1/clusters/${enc(clusterId)}/settings/${enc(key)}`, Settings);
  }
  clusterStatus(clusterId: string) {
    return this.request('GET', `/api/v1/clusters/${enc(clusterId)}/status`, ClusterStatus);
  }

  // Jobs (queue depths, dead letters, one job)
  jobsOverview(clusterId: string) {
    return this.request('GET', `/api/v1/clusters/${enc(clusterId)}/jobs`, JobsOverview);
  }
  listDeadLetters(clusterId: string, query: { limit?: number; before?: string; job?: string } = {}) {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value));
    const suffix = params.size ? `?${params.toString()}` : '';
    return this.request('GET', `/api/v1/clusters/${enc(clusterId)}/jobs/dead${suffix}`, DeadLetterList);
  }
  retryDeadLetters(clusterId: string, selection: DeadLetterSelection) {
    return this.request(
      'POST',
      `/api/v1/clusters/${enc(clusterId)}/jobs/dead/retry`,
      DeadLetterActionResult,
      selection,
    );
  }
  discardDeadLetters(clusterId: string, selection: DeadLetterSelection) {
    return this.request(
      'POST',
      `/api/v1/clusters/${enc(clusterId)}/jobs/dead/discard`,
      DeadLetterActionResult,
      selection,
    );
  }
  getJob(clusterId: string, jobId: string) {
    return this.request('GET', `/api/v1/clusters/${enc(clusterId)}/jobs/${enc(jobId)}`, JobDetail);
  }

  // Nodes
  createNode(clusterId: string, body: CreateNodeBody) {
    return this.request('POST', `/api/v1/clusters/${enc(clusterId)}/nodes`, Node, CreateNodeBody.parse(body));
  }
  listNodes(clusterId: string) {
    return this.request('GET', `/api/v1/clusters/${enc(clusterId)}/nodes`, NodeList);
  }
  getNode(nodeId: string) {
    return this.request('GET', `/api/v1/nodes/${enc(nodeId)}`, Node);
  }
  updateNode(nodeId: string, body: UpdateNodeBody) {
    return this.request('PATCH', `/api/v1/nodes/${enc(nodeId)}`, Node, body);
  }
  deleteNode(nodeId: string) {
    return this.request('DELETE', `/api/v1/nodes/${enc(nodeId)}`, null);
  }
  getNodeSettings(nodeId: string) {
    return this.request('GET', `/api/v1/nodes/${enc(nodeId)}/settings`, Settings);
  }
  setNodeSetting(nodeId: string, key: string, value: unknown) {
    return this.request('PUT', `/api/v1/nodes/${enc(nodeId)}/settings/${enc(key)}`, Settings, { value });
  }
  deleteNodeSetting(nodeId: string, key: string) {
    return this.request('DELETE', `/api/v1/nodes/${enc(nodeId)}/settings/${enc(key)}`, Settings);
  }
  readLogs(nodeId: string, query: Partial<LogQuery> = {}) {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value));
    const suffix = params.size ? `?${params.toString()}` : '';
    return this.request('GET', `/api/v1/nodes/${enc(nodeId)}/logs${suffix}`, Page(StoredLogEntry));
  }

  // Node self-service (node and join tokens)
  registerNode(body: RegisterNodeBody) {
    return this.request('POST', '/api/v1/nodes/register', RegisterNodeResponse, body);
  }
  /** Resolves `undefined` when `version` is still current (HTTP 304). */
  async me(version?: string): Promise<NodeSelf | undefined> {
    const headers: Record<string, string> = version ? { 'If-None-Match': `"${version}"` } : {};
    return this.request('GET', '/api/v1/nodes/me', NodeSelf, undefined, headers, true);
  }
  sendTelemetry(report: TelemetryReport) {
    return this.request('POST', '/api/v1/telemetry', TelemetryAck, report);
  }
  shipLogs(batch: z.input<typeof LogBatch>) {
    return this.request('POST', '/api/v1/logs', null, batch);
  }

  // Tokens (admin)
  createToken(body: z.input<typeof CreateTokenBody>) {
    return this.request('POST', '/api/v1/tokens', CreatedToken, body);
  }
  listTokens(clusterId?: string) {
    return this.request('GET', `/api/v1/tokens${clusterId ? `?clusterId=${enc(clusterId)}` : ''}`, TokenList);
  }
  revokeToken(tokenId: string) {
    return this.request('DELETE', `/api/v1/tokens/${enc(tokenId)}`, null);
  }

  // Storages, object stores, catalog and events
  createStorage(clusterId: string, body: CreateStorageBody) {
    return this.request('POST', `/api/v1/clusters/${enc(clusterId)}/storages`, Storage, body);
  }
  listStorages(clusterId: string) {
    return this.request(
      'GET',
      `/api/v1/clusters/${enc(clusterId)}/storages`,
      z.object({ items: z.array(Storage) }),
    );
  }
  getStorage(storageId: string) {
    return this.request('GET', `/api/v1/storages/${enc(storageId)}`, Storage);
  }
  updateStorage(storageId: string, body: UpdateStorageBody) {
    return this.request('PATCH', `/api/v1/storages/${enc(storageId)}`, Storage, body);
  }
  deleteStorage(storageId: string) {
    return this.request('DELETE', `/api/v1/storages/${enc(storageId)}`, null);
  }
  /** Held removals of the cluster's storage: the count, a page of paths, the latest approvals. */
  listRemovals(clusterId: string, storageId: string, query: RemovalQuery = {}) {
    return this.request(
      'GET',
      this.withQuery(`/api/v1/clusters/${enc(clusterId)}/storages/${enc(storageId)}/removals`, query),
      RemovalList,
    );
  }
  /** Approves held removals (all, or named ones); the leader applies the approval between two scans. */
  approveRemovals(clusterId: string, storageId: string, body: ApproveRemovalsBody) {
    return this.request(
      'POST',
      `/api/v1/clusters/${enc(clusterId)}/storages/${enc(storageId)}/removals/approve`,
      RemovalApproval,
      body,
    );
  }
  createObjectStore(clusterId: string, body: CreateObjectStoreBody) {
    return this.request('POST', `/api/v1/clusters/${enc(clusterId)}/object-stores`, ObjectStore, body);
  }
  listObjectStores(clusterId: string) {
    const list = z.object({ items: z.array(ObjectStore) });
    return this.request('GET', `/api/v1/clusters/${enc(clusterId)}/object-stores`, list);
  }
  getObjectStore(objectStoreId: string) {
    return this.request('GET', `/api/v1/object-stores/${enc(objectStoreId)}`, ObjectStore);
  }
  updateObjectStore(objectStoreId: string, body: UpdateObjectStoreBody) {
    return this.request('PATCH', `/api/v1/object-stores/${enc(objectStoreId)}`, ObjectStore, body);
  }
  deleteObjectStore(objectStoreId: string) {
    return this.request('DELETE', `/api/v1/object-stores/${enc(objectStoreId)}`, null);
  }
  /** The calling node's storage and object stores with their credentials; `undefined` while `version` is current (304). */
  async myStorage(version?: string): Promise<NodeStorageView | undefined> {
    const headers: Record<string, string> = version ? { 'If-None-Match': `"${version}"` } : {};
    return this.request('GET', '/api/v1/nodes/me/storage', NodeStorageView, undefined, headers, true);
  }
  listAssets(clusterId: string, query: AssetQuery = {}) {
    return this.request(
      'GET',
      this.withQuery(`/api/v1/clusters/${enc(clusterId)}/assets`, query),
      Page(Asset),
    );
  }
  getAsset(assetId: string) {
    return this.request('GET', `/api/v1/assets/${enc(assetId)}`, AssetDetail);
  }
  listFiles(clusterId: string, query: FileQuery = {}) {
    return this.request(
      'GET',
      this.withQuery(`/api/v1/clusters/${enc(clusterId)}/files`, query),
      Page(CatalogFile),
    );
  }
  getFile(fileId: string) {
    return this.request('GET', `/api/v1/files/${enc(fileId)}`, CatalogFile);
  }
  findFilesByPath(clusterId: string, path: string, options: { includeRemoved?: boolean } = {}) {
    const url = this.withQuery(`/api/v1/clusters/${enc(clusterId)}/files/by-path`, { path, ...options });
    return this.request('GET', url, FileList);
  }
  findFilesByChecksum(clusterId: string, query: ChecksumLookupQuery) {
    return this.request(
      'GET',
      this.withQuery(`/api/v1/clusters/${enc(clusterId)}/files/by-checksum`, query),
      FileList,
    );
  }
  createEvent(clusterId: string, body: CreateEventBody) {
    return this.request('POST', `/api/v1/clusters/${enc(clusterId)}/events`, CatalogEvent, body);
  }
  listEvents(clusterId: string, query: EventQuery = {}) {
    return this.request(
      'GET',
      this.withQuery(`/api/v1/clusters/${enc(clusterId)}/events`, query),
      Page(CatalogEvent),
    );
  }
  getEvent(eventId: string) {
    return this.request('GET', `/api/v1/events/${enc(eventId)}`, CatalogEvent);
  }
  /** `path?k=v&…` with the defined values of `query` (booleans and numbers as text). */
  private withQuery(path: string, query: object): string {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query))
      if (value !== undefined && value !== null) params.set(key, String(value));
    return params.size ? `${path}?${params.toString()}` : path;
  }

  private async request<S extends z.ZodType>(
    method: string,
    path: string,
    schema: S,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<z.infer<S>>;
  private async request(method: string, path: string, schema: null, body?: unknown): Promise<void>;
  private async request<S extends z.ZodType>(
    method: string,
    path: string,
    schema: S,
    body: unknown,
    headers: Record<string, string>,
    allowNotModified: true,
  ): Promise<z.infer<S> | undefined>;
  private async request(
    method: string,
    path: string,
    schema: z.ZodType | null,
    body?: unknown,
    headers: Record<string, string> = {},
    allowNotModified = false,
  ): Promise<unknown> {
    const url = `${this.baseUrl}${path}`;
    let response: Response;
    try {
      response = await this.fetchImpl(url, {
        method,
        headers: {
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(this.options.token ? { authorization: `Bearer ${this.options.token}` } : {}),
          ...headers,
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 5000),
      });
    } catch (error) {
      throw new ControlPlaneUnreachableError(this.baseUrl, error);
    }
    if (allowNotModified && response.status === 304) return undefined;
    const text = await response.text();
    if (!response.ok) {
      const parsed = ApiErrorBody.safeParse(safeJson(text));
      throw new ControlPlaneError(response.status, parsed.success ? parsed.data : undefined, method, path);
    }
    if (schema === null) return undefined;
    const parsed = schema.safeParse(safeJson(text));
    if (!parsed.success) {
      throw new ControlPlaneUnreachableError(
        this.baseUrl,
        new Error(`unexpected answer to ${method} ${path}: ${parsed.error.message}`),
      );
    }
    return parsed.data;
  }
}

function enc(segment: string): string {
  return encodeURIComponent(segment);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
