import { NameCollisionDetector } from './name-collisions';

describe('NameCollisionDetector', () => {
  it('reports an NFC/NFD pair as a Unicode collision, naming both paths', () => {
    const detector = new NameCollisionDetector('shoot');
    expect(detector.add('caf\u00e9.mov')).toBeUndefined();
    const issue = detector.add('cafe\u0301.mov');
    expect(issue).toMatchObject({ path: 'shoot/cafe\u0301.mov', kind: 'unicode-collision' });
    expect(issue!.message).toContain('shoot/caf\u00e9.mov');
  });

  it('reports a case-only pair as a case collision (at the root too)', () => {
    const detector = new NameCollisionDetector('');
    detector.add('Clip.MOV');
    expect(detector.add('clip.mov')).toMatchObject({ path: 'clip.mov', kind: 'case-collision' });
  });

  it('reports a pair differing by both case and normalization as a case collision', () => {
    const detector = new NameCollisionDetector('d');
    detector.add('CAF\u00c9.mov');
    expect(detector.add('cafe\u0301.mov')).toMatchObject({ kind: 'case-collision' });
  });

  it('accepts distinct names, and identical names do not occur in one folder', () => {
    const detector = new NameCollisionDetector('d');
    expect(['a.mov', 'b.mov', 'a.mxf', '\u00e9t\u00e9.wav'].map((name) => detector.add(name))).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
  });

  it('stops remembering names past its limit (bounded memory), still checking against those it kept', () => {
    const detector = new NameCollisionDetector('d', 2);
    detector.add('a');
    detector.add('b');
    detector.add('c');
    expect(detector.add('C')).toBeUndefined();
    expect(detector.add('A')).toMatchObject({ kind: 'case-collision' });
  });
});
