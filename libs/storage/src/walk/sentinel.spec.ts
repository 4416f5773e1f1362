import { parseSentinel } from './sentinel';

describe('parseSentinel', () => {
  it('reads one UUID, whitespace and case aside', () => {
    expect(parseSentinel(' 0F8FAD5B-D9CB-469F-A165-70867728950E\n')).toEqual({
      state: 'present',
      storageId: '0f8fad5b-d9cb-469f-a165-70867728950e',
    });
  });

  it.each(['', 'not-a-uuid', '0f8fad5b-d9cb-469f-a165-70867728950e extra'])('refuses %j', (content) => {
    expect(parseSentinel(content)).toMatchObject({ state: 'invalid' });
  });
});
