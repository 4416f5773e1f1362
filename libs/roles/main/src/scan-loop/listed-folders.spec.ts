import { ListedFolders } from './listed-folders';

it('keeps every folder under the limit, shallowest first, never the root', () => {
  const folders = new ListedFolders(10);
  for (const path of ['', 'a', 'a/b', 'c', 'a/b/c', 'd']) folders.add(path);
  expect(folders.paths()).toEqual(['a', 'c', 'd', 'a/b', 'a/b/c']);
  expect(folders.dropped).toBe(0);
});

it('beyond the limit keeps the shallowest folders and counts the others', () => {
  const folders = new ListedFolders(3);
  // The walker's order: a parent before its sub-folders, but deep folders may come before shallow ones.
  for (const path of ['a', 'a/1', 'a/1/x', 'a/1/y', 'b', 'c', 'd', 'a/2']) folders.add(path);
  expect(folders.paths()).toEqual(['a', 'b', 'c']);
  expect(folders.dropped).toBe(5);
});

it('among folders of one depth keeps those listed first', () => {
  const folders = new ListedFolders(2);
  for (const path of ['x/1', 'x/2', 'x/3', 'y']) folders.add(path);
  expect(folders.paths()).toEqual(['y', 'x/1']);
  expect(folders.dropped).toBe(2);
});

it('keeps nothing with a limit of zero, and still counts', () => {
  const folders = new ListedFolders(0);
  folders.add('a');
  expect(folders.paths()).toEqual([]);
  expect(folders.dropped).toBe(1);
});

it('stays bounded over a large listing', () => {
  const folders = new ListedFolders(100);
  for (let top = 0; top < 50; top++) {
    folders.add(`t${top}`);
    for (let sub = 0; sub < 200; sub++) folders.add(`t${top}/s${sub}`);
  }
  const kept = folders.paths();
  expect(kept).toHaveLength(100);
  expect(kept.slice(0, 50)).toEqual(Array.from({ length: 50 }, (_, top) => `t${top}`));
  expect(folders.dropped).toBe(50 * 201 - 100);
});
