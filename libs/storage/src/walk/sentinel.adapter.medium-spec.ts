// The sentinel on a real folder.
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { FileStorageSentinel } from './sentinel.adapter';

const sentinel = new FileStorageSentinel();
const ID = '0f8fad5b-d9cb-469f-a165-70867728950e';
let root: string;

beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), 'portico-sentinel-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

it('is missing on a fresh storage, present once created, with nothing else left behind', async () => {
  expect(await sentinel.read(root)).toEqual({ state: 'missing' });
  await sentinel.create(root, ID);
  expect(readFileSync(path.join(root, '.portico/storage-id'), 'utf8')).toBe(`${ID}\n`);
  expect(readdirSync(path.join(root, '.portico'))).toEqual(['storage-id']);
  expect(await sentinel.read(root)).toEqual({ state: 'present', storageId: ID });
});

it('reads a file that is not a storage id as invalid, and a folder in its place as unreadable', async () => {
  mkdirSync(path.join(root, '.portico'));
  writeFileSync(path.join(root, '.portico/storage-id'), 'hello');
  expect(await sentinel.read(root)).toMatchObject({ state: 'invalid' });
  rmSync(path.join(root, '.portico/storage-id'));
  mkdirSync(path.join(root, '.portico/storage-id'));
  expect(await sentinel.read(root)).toMatchObject({ state: 'unreadable' });
});

it('says what to do when it cannot write the sentinel', async () => {
  writeFileSync(path.join(root, '.portico'), 'a file where the folder should be');
  await expect(sentinel.create(root, ID)).rejects.toThrow(
    new RegExp(`could not write the storage sentinel .*create the file by hand with the content ${ID}`),
  );
  chmodSync(root, 0o755);
});
