import { packChunk, unpackChunk } from './chunk-transfer';
import type { DirectoryChunk } from './walk';

function chunk(names: string[]): DirectoryChunk {
  return {
    dir: 'a',
    part: 0,
    final: true,
    identity: '1:2',
    ancestors: ['1:1'],
    files: {
      names,
      sizes: names.map((_, index) => index * 2 ** 40),
      mtimesMs: names.map((_, index) => 1732175623123.25 + index),
      inodes: names.map((_, index) => String(-(2n ** 62n) + BigInt(index))),
      devs: names.map(() => 2049),
    },
    fingerprint: 'f',
    subdirs: ['s'],
    issues: [],
    ignored: 1,
    incomplete: false,
  };
}

describe('chunk transfer', () => {
  it.each([[[]], [['one.mov']], [['a.mov', 'caf\u00e9 "x", y.mov', '', 'tab\there']]])(
    'packs and unpacks %j without loss',
    (names) => {
      const original = chunk(names);
      expect(unpackChunk(packChunk(original))).toEqual(original);
    },
  );
});
