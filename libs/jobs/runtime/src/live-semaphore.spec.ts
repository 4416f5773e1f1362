import { KeyedSemaphores, LiveSemaphore } from './live-semaphore';

describe('LiveSemaphore', () => {
  it('holds the holders to the live limit, in arrival order, and lets aborted waiters go', async () => {
    let limit = 2;
    const slots = new LiveSemaphore(() => limit);
    const a = await slots.acquire();
    const b = await slots.acquire();
    const order: string[] = [];
    const c = slots.acquire().then((release) => (order.push('c'), release));
    const aborted = new AbortController();
    const d = slots.acquire(aborted.signal);
    const e = slots.acquire().then((release) => (order.push('e'), release));
    expect(slots.inUse).toBe(2);

    aborted.abort(new Error('lease lost'));
    await expect(d).rejects.toThrow('lease lost');
    a();
    a(); // releasing twice frees one slot only
    const releaseC = await c;
    expect(order).toEqual(['c']);
    expect(slots.inUse).toBe(2);

    limit = 3; // a raised setting applies at the next release
    b();
    const releaseE = await e;
    expect(order).toEqual(['c', 'e']);
    releaseC();
    releaseE();
    expect(slots.inUse).toBe(0);
  });

  it('rejects at once when the signal is already aborted, and treats a limit below 1 as 1', async () => {
    const slots = new LiveSemaphore(() => 0);
    const controller = new AbortController();
    controller.abort(new Error('stopping'));
    await expect(slots.acquire(controller.signal)).rejects.toThrow('stopping');
    const release = await slots.acquire();
    expect(slots.inUse).toBe(1);
    release();
  });
});

describe('KeyedSemaphores', () => {
  it('holds each key to the limit independently of the others', async () => {
    const slots = new KeyedSemaphores(() => 1);
    const proxy = await slots.acquire('proxy');
    const poster = await slots.acquire('poster');
    let second = false;
    const waiting = slots.acquire('proxy').then((release) => {
      second = true;
      return release;
    });
    await Promise.resolve();
    expect([slots.inUse('proxy'), slots.inUse('poster'), second]).toEqual([1, 1, false]);
    proxy();
    (await waiting)();
    expect(second).toBe(true);
    expect(slots.inUse('proxy')).toBe(0);
    poster();
  });

  it('reads the limit live: a raised limit lets waiters in at the next release', async () => {
    let limit = 1;
    const slots = new KeyedSemaphores(() => limit);
    const first = await slots.acquire('proxy');
    const a = slots.acquire('proxy');
    const b = slots.acquire('proxy');
    limit = 3;
    first();
    await Promise.all([a, b]);
    expect(slots.inUse('proxy')).toBe(2);
  });
});
