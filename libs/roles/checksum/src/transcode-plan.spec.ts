import { KINDS_WITH_NOTHING_TO_MAKE, outputFormatsOf, transcodeProfilesFor } from './transcode-plan';

describe('transcodeProfilesFor', () => {
  it('gives video a proxy, keyframes and a poster; images and audio a proxy; other files nothing', () => {
    expect(transcodeProfilesFor({ kind: 'video', size: 10, duplicate: false })).toEqual([
      'proxy',
      'keyframes',
      'poster',
    ]);
    expect(transcodeProfilesFor({ kind: 'image', size: 10, duplicate: false })).toEqual(['proxy']);
    expect(transcodeProfilesFor({ kind: 'audio', size: 10, duplicate: false })).toEqual(['proxy']);
    expect(transcodeProfilesFor({ kind: 'other', size: 10, duplicate: false })).toEqual([]);
  });

  it('never transcodes a zero-byte file or a duplicate', () => {
    expect(transcodeProfilesFor({ kind: 'video', size: 0, duplicate: false })).toEqual([]);
    expect(transcodeProfilesFor({ kind: 'video', size: 10, duplicate: true })).toEqual([]);
  });
});

describe('KINDS_WITH_NOTHING_TO_MAKE', () => {
  it('are the kinds no file of which is ever transcoded', () => {
    expect([...KINDS_WITH_NOTHING_TO_MAKE].sort()).toEqual(['other', 'unknown']);
    for (const kind of KINDS_WITH_NOTHING_TO_MAKE)
      expect(transcodeProfilesFor({ kind, size: 10, duplicate: false })).toEqual([]);
  });
});

describe('outputFormatsOf', () => {
  it('plans the catalog format of each profile', () => {
    expect(outputFormatsOf(['proxy', 'keyframes', 'poster'])).toEqual(['PROXY', 'KEYFRAMES', 'POSTER']);
    expect(outputFormatsOf(transcodeProfilesFor({ kind: 'audio', size: 10, duplicate: false }))).toEqual([
      'PROXY',
    ]);
    expect(outputFormatsOf([])).toEqual([]);
  });
});
