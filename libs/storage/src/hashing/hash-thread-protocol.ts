// What the checksum thread and the thread that owns it say to each other. Everything is plain data
// (structured clone keeps no class): a file's error crosses as a description and is rebuilt here
// into the class hash() rejects with, so a caller treats hashMany()'s failures as hash()'s.
import { type HashAlgorithm } from './algorithms';
import { FileAccessError, type FileAccessReason } from './file-access-error';
import { FileChangedError } from './file-changed-error';
import { type FileHashResult } from './file-hasher';

export interface HashThreadConfig {
  /** Bytes per read: the thread's one reused buffer. */
  readonly chunkBytes: number;
  readonly recheckIntervalMs: number;
}

/** What a checksum thread is started with (its workerData). */
export interface HashThreadData {
  readonly module: string;
  readonly config: HashThreadConfig;
}

export interface HashBatchRequest {
  readonly type: 'hash';
  readonly id: number;
  readonly paths: readonly string[];
  readonly algorithms: readonly HashAlgorithm[];
  /** Over a SharedArrayBuffer: the owner stores 1 when the call is aborted; read between files and chunks. */
  readonly abort: Int32Array;
}

export type HashBatchReply =
  /** One outcome per path, in order. */
  | { readonly type: 'hashed'; readonly id: number; readonly outcomes: readonly HashOutcome[] }
  /** The abort flag was seen: what was hashed is dropped, the rest was never opened. */
  | { readonly type: 'aborted'; readonly id: number };

export type HashOutcome =
  { readonly ok: true; readonly result: FileHashResult } | { readonly ok: false; readonly error: WireError };

/** The system error under a FileAccessError (Node's: `ENOENT: no such file or directory, open …`). */
export interface WireCause {
  readonly name: string;
  readonly message: string;
  readonly code?: string;
  readonly errno?: number;
  readonly syscall?: string;
  readonly path?: string;
}

export type WireError =
  | {
      readonly kind: 'access';
      readonly path: string;
      readonly operation: string;
      readonly code: string | undefined;
      readonly reason: FileAccessReason;
      readonly cause?: WireCause;
    }
  | { readonly kind: 'changed'; readonly path: string; readonly changes: readonly string[] }
  /** Anything else (a digester that could not be created): kept as name, message and stack. */
  | { readonly kind: 'other'; readonly name: string; readonly message: string; readonly stack?: string };

export function toWireError(error: unknown): WireError {
  if (error instanceof FileAccessError) {
    return {
      kind: 'access',
      path: error.path,
      operation: error.operation,
      code: error.code,
      reason: error.reason,
      ...(error.cause === undefined ? {} : { cause: toWireCause(error.cause) }),
    };
  }
  if (error instanceof FileChangedError) {
    return { kind: 'changed', path: error.path, changes: [...error.changes] };
  }
  if (error instanceof Error) {
    return { kind: 'other', name: error.name, message: error.message, ...stackOf(error) };
  }
  return { kind: 'other', name: 'Error', message: String(error) };
}

export function fromWireError(wire: WireError): Error {
  switch (wire.kind) {
    case 'access':
      return new FileAccessError(wire.path, wire.operation, wire.code, {
        reason: wire.reason,
        ...(wire.cause ? { cause: fromWireCause(wire.cause) } : {}),
      });
    case 'changed':
      return new FileChangedError(wire.path, wire.changes);
    case 'other': {
      const error = new Error(wire.message);
      error.name = wire.name;
      if (wire.stack !== undefined) error.stack = wire.stack;
      return error;
    }
  }
}

function toWireCause(cause: unknown): WireCause {
  const { name, message, code, errno, syscall, path } = (cause ?? {}) as Partial<Record<string, unknown>>;
  return {
    name: typeof name === 'string' ? name : 'Error',
    message: typeof message === 'string' ? message : String(cause),
    ...(typeof code === 'string' ? { code } : {}),
    ...(typeof errno === 'number' ? { errno } : {}),
    ...(typeof syscall === 'string' ? { syscall } : {}),
    ...(typeof path === 'string' ? { path } : {}),
  };
}

/** An Error carrying the system error's fields, as Node's own errors do. */
function fromWireCause(wire: WireCause): Error {
  const { name, message, ...fields } = wire;
  const cause = Object.assign(new Error(message), fields);
  cause.name = name;
  return cause;
}

function stackOf(error: Error): { stack?: string } {
  return typeof error.stack === 'string' ? { stack: error.stack } : {};
}
