import { compileScanScope } from './scan-scope';

describe('compileScanScope', () => {
  it('takes everything without scan directories', () => {
    const inScope = compileScanScope([]);
    expect(inScope('a.mov', false)).toBe(true);
    expect(inScope('x/y', true)).toBe(true);
  });

  it('walks a scan directory, what is inside it and the folders on the way to it, and nothing else', () => {
    const inScope = compileScanScope(['/projects/2026/', 'Renders']);
    expect(inScope('projects', true)).toBe(true);
    expect(inScope('projects/2026', true)).toBe(true);
    expect(inScope('projects/2026/a.mov', false)).toBe(true);
    expect(inScope('projects/2026/deep/b.mov', false)).toBe(true);
    expect(inScope('projects/notes.txt', false)).toBe(false);
    expect(inScope('projects/2025', true)).toBe(false);
    expect(inScope('projects/20261', true)).toBe(false);
    expect(inScope('Renders/x.exr', false)).toBe(true);
    expect(inScope('root.mov', false)).toBe(false);
    expect(inScope('Other', true)).toBe(false);
  });

  it('refuses a scan directory that is not a plain relative path', () => {
    expect(() => compileScanScope(['a/../b'])).toThrow(/plain relative folder path/);
    expect(() => compileScanScope(['a//b'])).toThrow(/plain relative folder path/);
  });
});
