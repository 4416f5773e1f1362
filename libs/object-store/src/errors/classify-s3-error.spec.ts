import { classifyS3Error, type S3ErrorContext } from './classify-s3-error';
import { ObjectStoreError } from './object-store-error';

const context: S3ErrorContext = {
  endpoint: 'https://s3.example.com',
  region: 'eu-west-1',
  bucket: 'media',
  key: 'proxies/a.mp4',
  operation: 'PutObject',
  scrub: (text) => text.split('TOPSECRET').join('****'),
};

/** The shape the AWS SDK throws for an error answer. */
function sdkError(name: string, status: number | undefined, message = 'UnknownError'): Error {
  return Object.assign(new Error(message), {
    name,
    $fault: status !== undefined && status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status },
  });
}

function systemError(code: string): Error {
  return Object.assign(new Error(`connect ${code} 127.0.0.1:9`), { code });
}

it.each([
  ['InvalidAccessKeyId', 403, 'auth', true],
  ['SignatureDoesNotMatch', 403, 'auth', true],
  ['AccessDenied', 403, 'auth', true],
  ['ExpiredToken', 400, 'auth', true],
  ['Unknown', 403, 'auth', true],
  ['NoSuchBucket', 404, 'no-such-bucket', true],
  ['NoSuchKey', 404, 'not-found', true],
  ['NotFound', 404, 'not-found', true],
  ['InvalidObjectState', 403, 'archived', true],
  ['PermanentRedirect', 301, 'wrong-region', true],
  ['AuthorizationHeaderMalformed', 400, 'wrong-region', true],
  ['MethodNotAllowed', 405, 'invalid-request', true],
  ['NotImplemented', 501, 'invalid-request', true],
  ['EntityTooLarge', 400, 'invalid-request', true],
  ['SlowDown', 503, 'throttled', false],
  ['TooManyRequests', 429, 'throttled', false],
  ['InternalError', 500, 'server', false],
  ['ServiceUnavailable', 503, 'server', false],
  ['Unknown', 502, 'server', false],
  ['BadDigest', 400, 'integrity', false],
  ['RequestTimeout', 400, 'network', false],
  ['NoSuchUpload', 404, 'upload-lost', false],
] as const)('%s (HTTP %s) is %s, permanent %s', (name, status, kind, permanent) => {
  const error = classifyS3Error(sdkError(name, status), context);
  expect(error).toBeInstanceOf(ObjectStoreError);
  expect(error.kind).toBe(kind);
  expect(error.permanent).toBe(permanent);
  expect(error.httpStatus).toBe(status);
});

it.each(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EPIPE'])(
  'the socket error %s is a retryable network error',
  (code) => {
    const error = classifyS3Error(systemError(code), context);
    expect(error.kind).toBe('network');
    expect(error.permanent).toBe(false);
    expect(error.code).toBe(code);
  },
);

it('a HEAD 404 of a bucket means the bucket is missing', () => {
  expect(classifyS3Error(sdkError('NotFound', 404), { ...context, operation: 'HeadBucket' }).kind).toBe(
    'no-such-bucket',
  );
});

it('an auth error names endpoint, bucket and what to do, and nothing else', () => {
  const error = classifyS3Error(sdkError('InvalidAccessKeyId', 403, 'The key TOPSECRET is bad'), context);
  expect(error.message).toContain('https://s3.example.com');
  expect(error.message).toContain('"media"');
  expect(error.message).toContain('access key and secret key');
  expect(error.message).not.toContain('TOPSECRET');
});

it('text from the endpoint is scrubbed of secrets', () => {
  const error = classifyS3Error(sdkError('WeirdError', 400, 'echoing TOPSECRET back'), context);
  expect(error.kind).toBe('invalid-request');
  expect(error.message).toContain('echoing **** back');
  expect(error.message).not.toContain('TOPSECRET');
});

it('an aborted request is not permanent', () => {
  const error = classifyS3Error(sdkError('AbortError', undefined, 'Request aborted'), context);
  expect(error.kind).toBe('aborted');
  expect(error.permanent).toBe(false);
});

it('an unknown failure without status is retryable', () => {
  const error = classifyS3Error(new Error('something odd'), context);
  expect(error.kind).toBe('unknown');
  expect(error.permanent).toBe(false);
});

it('passes ObjectStoreErrors through', () => {
  const original = new ObjectStoreError('target-exists', 'x');
  expect(classifyS3Error(original, context)).toBe(original);
});

it('recovers the socket error code from an SDK wrapper that kept only its text', () => {
  const wrapped = new Error('AWS SDK error wrapper for Error: connect ECONNREFUSED 127.0.0.1:9');
  const error = classifyS3Error(wrapped, context);
  expect(error.kind).toBe('network');
  expect(error.code).toBe('ECONNREFUSED');
});
