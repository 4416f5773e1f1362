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
import { TelemetryAck, type TelemetryReport } from './contracts/telemetry';
import { CreatedToken, type CreateTokenBody, TokenInfo } from './contracts/tokens';
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
