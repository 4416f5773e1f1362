import { TransferSlots } from './transfer-slots';

describe('TransferSlots', () => {
  it('holds the sum of transfers to the live limit, in arrival order, and lets aborted waiters go', async () => {
    let limit = 2;
    const slots = new TransferSlots(() => limit);
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
});
