import { DEFAULT_TRANSCODE_PROFILES, type TranscodeProfiles } from '@portico/settings';
import { canonicalJson, profileFingerprint } from './fingerprint';
import { MEDIA_KINDS } from './media-kind';

const base: TranscodeProfiles = DEFAULT_TRANSCODE_PROFILES;

function changed(patch: { proxy?: object; keyframes?: object; poster?: object }): TranscodeProfiles {
  return {
    proxy: { ...base.proxy, ...patch.proxy },
    keyframes: { ...base.keyframes, ...patch.keyframes },
    poster: { ...base.poster, ...patch.poster },
  };
}

describe('profileFingerprint', () => {
  it('is 32 hex digits, the same for equal profiles built in another key order', () => {
    const reordered = JSON.parse(
      JSON.stringify({ poster: base.poster, keyframes: base.keyframes, proxy: base.proxy }),
    ) as TranscodeProfiles;
    for (const kind of MEDIA_KINDS) {
      expect(profileFingerprint(kind, base)).toMatch(/^[0-9a-f]{32}$/);
      expect(profileFingerprint(kind, reordered)).toBe(profileFingerprint(kind, base));
    }
  });

  it('differs between kinds', () => {
    expect(new Set(MEDIA_KINDS.map((kind) => profileFingerprint(kind, base))).size).toBe(MEDIA_KINDS.length);
  });

  it('changes for a video when any field of its three outputs changes', () => {
    const before = profileFingerprint('video', base);
    for (const patch of [
      { proxy: { videoBitrateKbps: 2999 } },
      { proxy: { width: 1920, height: 1080 } },
      { proxy: { audioBitrateKbps: 96 } },
      { keyframes: { intervalSeconds: 5 } },
      { keyframes: { width: 320 } },
      { poster: { offsetPercent: 50 } },
      { poster: { width: 640 } },
    ])
      expect(profileFingerprint('video', changed(patch))).not.toBe(before);
  });

  it('ignores the fields a kind does not use, so its cached outputs stay valid', () => {
    const audio = profileFingerprint('audio', base);
    expect(
      profileFingerprint('audio', changed({ proxy: { videoBitrateKbps: 800, width: 640, height: 360 } })),
    ).toBe(audio);
    expect(profileFingerprint('audio', changed({ keyframes: { intervalSeconds: 1 } }))).toBe(audio);
    expect(profileFingerprint('audio', changed({ proxy: { audioBitrateKbps: 96 } }))).not.toBe(audio);
    const image = profileFingerprint('image', base);
    expect(
      profileFingerprint('image', changed({ proxy: { audioBitrateKbps: 96 }, poster: { width: 640 } })),
    ).toBe(image);
    expect(profileFingerprint('image', changed({ proxy: { width: 640, height: 360 } }))).not.toBe(image);
    expect(profileFingerprint('other', changed({ proxy: { width: 640, height: 360 } }))).toBe(
      profileFingerprint('other', base),
    );
  });
});

describe('canonicalJson', () => {
  it('sorts keys at every level and drops undefined members', () => {
    expect(canonicalJson({ b: 1, a: [{ d: 2, c: undefined, b: 'x' }] })).toBe(
      '{"a":[{"b":"x","d":2}],"b":1}',
    );
  });
});
