import { GroupCommit } from './group-commit';

describe('GroupCommit', () => {
  it('writes settles that arrive during a write together in the next batch', async () => {
    const batches: number[][] = [];
    let release!: () => void;
    let first = true;
    const group = new GroupCommit<number>(
      async (items) => {
        batches.push([...items]);
        if (first) {
          first = false;
          await new Promise<void>((resolve) => (release = resolve));
        }
        return items.map(() => undefined);
      },
      500,
      1,
    );
    const a = group.add(1);
    await new Promise((resolve) => setImmediate(resolve));
    const rest = [group.add(2), group.add(3), group.add(4)];
    release();
    await Promise.all([a, ...rest]);
    expect(batches).toEqual([[1], [2, 3, 4]]);
  });

  it('rejects only the items the write reports as failed', async () => {
    const group = new GroupCommit<number>((items) =>
      Promise.resolve(items.map((n) => (n % 2 === 0 ? new Error(`even ${n}`) : undefined))),
    );
    const results = await Promise.allSettled([1, 2, 3].map((n) => group.add(n)));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toEqual(new Error('even 2'));
  });

  it('rejects the whole batch when the write throws, and keeps going afterwards', async () => {
    let fail = true;
    const group = new GroupCommit<number>((items) => {
      if (fail) {
        fail = false;
        return Promise.reject(new Error('connection lost'));
      }
      return Promise.resolve(items.map(() => undefined));
    });
    await expect(Promise.all([group.add(1), group.add(2)])).rejects.toThrow('connection lost');
    await expect(group.add(3)).resolves.toBeUndefined();
  });

  it('caps a batch at maxBatch', async () => {
    const sizes: number[] = [];
    const group = new GroupCommit<number>((items) => {
      sizes.push(items.length);
      return Promise.resolve(items.map(() => undefined));
    }, 2);
    await Promise.all([1, 2, 3, 4, 5].map((n) => group.add(n)));
    expect(sizes).toEqual([2, 2, 1]);
  });
});
