import { formatKindOf, objectKeyOf, outputFolder } from './output-layout';

describe('output layout', () => {
  const md5 = 'd41d8cd98f00b204e9800998ecf8427e';
  const fingerprint = '0123456789abcdef0123456789abcdef';

  it('keys the storage folder by content and profile fingerprint, under the ignored .portico folder', () => {
    expect(outputFolder(md5, fingerprint)).toBe(`.portico/outputs/${md5}/${fingerprint}`);
  });

  it('refuses a checksum or fingerprint that could leave the folder', () => {
    expect(() => outputFolder('../../etc', fingerprint)).toThrow(RangeError);
    expect(() => outputFolder(md5, 'a/b')).toThrow(RangeError);
  });

  it('gives each asset its own object key for the same content', () => {
    const key = (assetId: string) =>
      objectKeyOf({ checksumValue: md5, fingerprint, assetId, name: 'keyframes/keyframe-00001.jpg' });
    expect(key('a1')).toBe(`${md5}/${fingerprint}/a1/keyframes/keyframe-00001.jpg`);
    expect(key('a1')).not.toBe(key('a2'));
  });

  it('maps every ffmpeg job to its catalog format', () => {
    expect(
      ['proxy', 'image-proxy', 'audio-proxy', 'keyframes', 'poster'].map((job) => formatKindOf(job as never)),
    ).toEqual(['PROXY', 'PROXY', 'PROXY', 'KEYFRAMES', 'POSTER']);
  });
});
