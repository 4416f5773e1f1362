import { ObjectStoreError } from '../errors/object-store-error';
import { fullKey } from './object-key';
import {
  normalizePrefix,
  secretScrubber,
  storeLocation,
  type ObjectStoreConfig,
} from './object-store-config';

const base: ObjectStoreConfig = {
  endpoint: 'http://127.0.0.1:9000/',
  region: 'us-east-1',
  bucket: 'media',
  prefix: '/proxies//2024/',
  forcePathStyle: true,
  credentials: { accessKeyId: 'AKIA', secretAccessKey: 'TOPSECRETKEY' },
};

function configError(config: ObjectStoreConfig): ObjectStoreError {
  try {
    storeLocation(config);
  } catch (error) {
    if (error instanceof ObjectStoreError) return error;
    throw error;
  }
  throw new Error('expected the config to be refused');
}

it('normalizes endpoint and prefix into a secret-free location', () => {
  expect(storeLocation(base)).toEqual({
    endpoint: 'http://127.0.0.1:9000',
    region: 'us-east-1',
    bucket: 'media',
    prefix: 'proxies/2024/',
  });
});

it('names AWS by region when no endpoint is set', () => {
  expect(storeLocation({ region: 'eu-west-3', bucket: 'media' }).endpoint).toBe('aws:eu-west-3');
});

it.each([
  [{ endpoint: 'ftp://host' }, 'endpoint', 'http:// or https://'],
  [{ endpoint: 'not a url' }, 'endpoint', 'not a URL'],
  [{ region: 'Not A Region' }, 'region', 'region name'],
  [{ bucket: 'a/b' }, 'bucket', 'bucket name'],
  [{ prefix: 'a/../b' }, 'prefix', '".."'],
  [{ credentials: { accessKeyId: 'AKIA', secretAccessKey: '' } }, 'secret key', 'empty'],
] as const)('refuses %j naming the setting', (override, setting, problem) => {
  const error = configError({ ...base, ...override });
  expect(error.kind).toBe('invalid-config');
  expect(error.permanent).toBe(true);
  expect(error.message).toContain(`"${setting}"`);
  expect(error.message).toContain(problem);
});

it('refuses credentials in the endpoint URL without echoing them', () => {
  const error = configError({ ...base, endpoint: 'https://AKIA:TOPSECRETKEY@s3.example.com' });
  expect(error.message).toContain('must not contain credentials');
  expect(error.message).not.toContain('TOPSECRETKEY');
});

it('normalizes prefixes', () => {
  expect(normalizePrefix(undefined)).toBe('');
  expect(normalizePrefix('/')).toBe('');
  expect(normalizePrefix('a')).toBe('a/');
  expect(normalizePrefix('a//b/')).toBe('a/b/');
});

it('scrubs the secret key and session token from text', () => {
  const scrub = secretScrubber({
    ...base,
    credentials: { accessKeyId: 'AKIA', secretAccessKey: 'TOPSECRETKEY', sessionToken: 'SESSIONTOKEN' },
  });
  expect(scrub('a TOPSECRETKEY b SESSIONTOKEN')).toBe('a **** b ****');
});

describe('fullKey', () => {
  const location = storeLocation(base);

  it('prefixes a relative key', () => {
    expect(fullKey(location, 'a/b.mp4')).toBe('proxies/2024/a/b.mp4');
  });

  it.each([
    ['', 'is empty'],
    ['/a', 'starts with "/"'],
    ['a/../b', '".."'],
    ['a\0b', 'NUL'],
  ])('refuses %j', (key, problem) => {
    expect(() => fullKey(location, key)).toThrow(problem);
  });

  it('refuses keys longer than 1024 bytes', () => {
    expect(() => fullKey(location, 'é'.repeat(600))).toThrow('1024 bytes');
  });
});
