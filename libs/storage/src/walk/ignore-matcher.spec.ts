import { compileIgnorePatterns } from './ignore-matcher';

describe('compileIgnorePatterns', () => {
  const ignore = compileIgnorePatterns([
    '.DS_Store',
    '._*',
    'Thumbs.db',
    '*.tmp',
    '.portico',
    'Renders/cache',
  ]);

  it.each([
    ['.DS_Store', 'a/b/.DS_Store'],
    ['._clip.mov', '._clip.mov'],
    ['Thumbs.db', 'x/Thumbs.db'],
    ['upload.tmp', 'in/upload.tmp'],
    ['.partial.tmp', 'in/.partial.tmp'],
    ['.portico', '.portico'],
    ['cache', 'Renders/cache'],
  ])('ignores %s (at %s)', (name, path) => {
    expect(ignore(name, path)).toBe(true);
  });

  it.each([
    ['clip.mov', 'a/clip.mov'],
    ['tmp', 'tmp'],
    ['cache', 'Other/cache'],
    ['DS_Store', 'DS_Store'],
    ['thumbs.db', 'thumbs.db'],
  ])('keeps %s (at %s)', (name, path) => {
    expect(ignore(name, path)).toBe(false);
  });

  it('tries a pattern with a slash against the relative path only, anchored at the root', () => {
    const byPath = compileIgnorePatterns(['/Renders/*.mov', '**/proxies/**']);
    expect(byPath('a.mov', 'Renders/a.mov')).toBe(true);
    expect(byPath('a.mov', 'x/Renders/a.mov')).toBe(false);
    expect(byPath('a.mov', 'a.mov')).toBe(false);
    expect(byPath('p.mov', 'show/proxies/p.mov')).toBe(true);
    expect(byPath('proxies', 'proxies')).toBe(true); // the folder itself: its subtree goes with it
    expect(byPath('proxy.mov', 'show/proxy.mov')).toBe(false);
  });

  it('handles globs beyond literal, prefix* and *suffix through picomatch', () => {
    const globs = compileIgnorePatterns(['[Tt]humbs.db', '*.{tmp,part}', '~$*', '*']);
    expect(globs('thumbs.db', 'thumbs.db')).toBe(true);
    expect(globs('x.part', 'a/x.part')).toBe(true);
    expect(compileIgnorePatterns(['[Tt]humbs.db', '*.{tmp,part}'])('x.mov', 'x.mov')).toBe(false);
    expect(compileIgnorePatterns(['~$*'])('~$doc.docx', '~$doc.docx')).toBe(true);
    expect(compileIgnorePatterns(['*'])('anything', 'a/anything')).toBe(true);
  });

  it('ignores nothing without patterns, and skips blank ones', () => {
    expect(compileIgnorePatterns([])('.DS_Store', '.DS_Store')).toBe(false);
    expect(compileIgnorePatterns(['  ', ''])('x', 'x')).toBe(false);
  });
});
