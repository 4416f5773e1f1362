// Turns whatever the AWS SDK (or the socket under it) threw into an ObjectStoreError that says
// what failed, where, whether a retry can help, and what the operator should do. Pure: it reads
// the error's name, code and HTTP status, never a request, so no signature or secret can leak.
import { ObjectStoreError, type ObjectStoreErrorKind } from './object-store-error';

export interface S3ErrorContext {
  /** The endpoint without credentials, or `aws:<region>`. */
  readonly endpoint: string;
  readonly region?: string;
  readonly bucket: string;
  /** The full object key, when the operation had one. */
  readonly key?: string;
  readonly operation: string;
  /** Replaces secrets in any text taken from the endpoint's answer. */
  readonly scrub?: (text: string) => string;
}

const AUTH_CODES = new Set([
  'AccessDenied',
  'AccountProblem',
  'AllAccessDisabled',
  'ExpiredToken',
  'InvalidAccessKeyId',
  'InvalidSecurity',
  'InvalidToken',
  'NotSignedUp',
  'SignatureDoesNotMatch',
  'TokenRefreshRequired',
  'UnauthorizedAccess',
  'CredentialsProviderError',
]);
const REGION_CODES = new Set([
  'AuthorizationHeaderMalformed',
  'IllegalLocationConstraintException',
  'PermanentRedirect',
  'Redirect',
  'TemporaryRedirect',
]);
const THROTTLE_CODES = new Set([
  'RequestLimitExceeded',
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'TooManyRequests',
  'TooManyRequestsException',
]);
const INTEGRITY_CODES = new Set([
  'BadDigest',
  'IncompleteBody',
  'XAmzContentSHA256Mismatch',
  'InvalidChecksum',
]);
const SERVER_CODES = new Set(['InternalError', 'ServiceUnavailable', 'OperationAborted']);
// RequestTimeout: the endpoint closed a request whose body was too slow. RequestTimeTooSkewed:
// the SDK corrects its clock offset from the answer and the retry is signed right.
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'EPROTO',
  'UND_ERR_SOCKET',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  'RequestTimeTooSkewed',
  'NetworkingError',
]);

interface SdkErrorShape {
  name?: unknown;
  code?: unknown;
  Code?: unknown;
  message?: unknown;
  $metadata?: { httpStatusCode?: unknown };
}

function field(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/** The S3 error code (`NoSuchBucket`) or system error code (`ECONNREFUSED`) of an SDK error. */
export function s3ErrorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const shape = error as SdkErrorShape;
  const code = field(shape.Code) ?? field(shape.code);
  if (code) return code;
  const name = field(shape.name);
  if (name && name !== 'Error' && name !== 'Unknown') return name;
  // The SDK's retry layer re-wraps errors it does not recognize as Errors (one from another
  // realm, e.g. under jest) into "AWS SDK error wrapper for Error: connect ECONNREFUSED …",
  // keeping only the text: recover the system code from it.
  const message = field(shape.message);
  const wrapped = message ? /\b(E[A-Z_]{3,})\b/.exec(message)?.[1] : undefined;
  return wrapped && NETWORK_CODES.has(wrapped) ? wrapped : undefined;
}

export function s3HttpStatus(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const status = (error as SdkErrorShape).$metadata?.httpStatusCode;
  return typeof status === 'number' ? status : undefined;
}

function kindOf(
  code: string | undefined,
  status: number | undefined,
  operation: string,
): ObjectStoreErrorKind {
  if (code === 'AbortError') return 'aborted';
  if (code && AUTH_CODES.has(code)) return 'auth';
  if (code === 'NoSuchBucket') return 'no-such-bucket';
  if (code === 'NoSuchKey') return 'not-found';
  if (code === 'NoSuchUpload') return 'upload-lost';
  if (code === 'InvalidObjectState') return 'archived';
  if (code && REGION_CODES.has(code)) return 'wrong-region';
  if (code && THROTTLE_CODES.has(code)) return 'throttled';
  if (code && INTEGRITY_CODES.has(code)) return 'integrity';
  if (code && NETWORK_CODES.has(code)) return 'network';
  if (code && SERVER_CODES.has(code)) return 'server';
  if (status === undefined) return 'unknown';
  // HEAD answers carry no body, so only the status is known.
  if (status === 401 || status === 403) return 'auth';
  if (status === 404) return operation === 'HeadBucket' ? 'no-such-bucket' : 'not-found';
  if (status === 301 || status === 307) return 'wrong-region';
  if (status === 429) return 'throttled';
  if (status === 408) return 'network';
  if (status === 501 || status === 405) return 'invalid-request';
  if (status >= 500) return 'server';
  if (status >= 400) return 'invalid-request';
  return 'unknown';
}

function target(context: S3ErrorContext): string {
  return context.key ? `"${context.bucket}/${context.key}"` : `bucket "${context.bucket}"`;
}

function describe(kind: ObjectStoreErrorKind, context: S3ErrorContext, cause: string): string {
  const at = `S3 endpoint ${context.endpoint}`;
  const during = `${context.operation} of ${target(context)}`;
  switch (kind) {
    case 'auth':
      return (
        `${at} refused access to bucket "${context.bucket}" (${cause}, during ${context.operation}): ` +
        "check the object store's access key and secret key, and that they may use this bucket."
      );
    case 'no-such-bucket':
      return (
        `Bucket "${context.bucket}" does not exist on ${at} (${cause}, during ${context.operation}): ` +
        "create it, or correct the object store's bucket setting."
      );
    case 'not-found':
      return `${during} failed on ${at}: the object does not exist (${cause}); check the key.`;
    case 'upload-lost':
      return `${during} failed on ${at}: the multipart upload no longer exists (${cause}); it will be started again.`;
    case 'archived':
      return `${during} failed on ${at}: the object is in a cold storage class (${cause}); restore it there first.`;
    case 'wrong-region':
      return (
        `${at} redirected or refused ${during} (${cause}): the bucket is probably in another region ` +
        `than "${context.region ?? 'the configured one'}"; set the object store's region or endpoint.`
      );
    case 'throttled':
      return `${at} throttled ${during} (${cause}); the transfer will be retried later.`;
    case 'integrity':
      return `${at} received damaged data in ${during} (${cause}); the transfer will be retried.`;
    case 'network':
      return `${at} could not be reached for ${during} (${cause}); the transfer will be retried — check the endpoint URL and the network if it persists.`;
    case 'server':
      return `${at} failed ${during} with a server error (${cause}); the transfer will be retried.`;
    case 'invalid-request':
      return `${at} rejected ${during} as invalid or unsupported (${cause}).`;
    case 'aborted':
      return `${during} on ${at} was aborted.`;
    case 'invalid-config':
    case 'checksum-mismatch':
    case 'source-changed':
    case 'target-exists':
    case 'local-io':
    case 'unknown':
      return `${during} failed on ${at} (${cause}); the transfer will be retried.`;
  }
}

/** Classifies an error thrown by the SDK for `context.operation`. ObjectStoreErrors pass through. */
export function classifyS3Error(error: unknown, context: S3ErrorContext): ObjectStoreError {
  if (error instanceof ObjectStoreError) return error;
  const code = s3ErrorCode(error);
  const status = s3HttpStatus(error);
  const kind = kindOf(code, status, context.operation);
  const scrub = context.scrub ?? ((text: string) => text);
  const rawMessage =
    typeof error === 'object' && error !== null ? field((error as SdkErrorShape).message) : undefined;
  // The endpoint's own words help for rare codes; for the well-known ones the code says it all.
  const detail =
    (kind === 'invalid-request' || kind === 'unknown' || kind === 'network') &&
    rawMessage &&
    rawMessage !== 'UnknownError'
      ? `: ${scrub(rawMessage).slice(0, 300)}`
      : '';
  const cause = `${code ?? 'error'}${status ? `, HTTP ${status}` : ''}${detail}`;
  return new ObjectStoreError(kind, describe(kind, context, cause), {
    endpoint: context.endpoint,
    bucket: context.bucket,
    ...(context.key === undefined ? {} : { key: context.key }),
    operation: context.operation,
    ...(code === undefined ? {} : { code }),
    ...(status === undefined ? {} : { httpStatus: status }),
  });
}
