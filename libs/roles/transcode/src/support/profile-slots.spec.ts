import { ProfileSlots } from './profile-slots';

describe('ProfileSlots', () => {
  it('holds each profile to the limit independently of the others', async () => {
    const slots = new ProfileSlots(() => 1);
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
    proxy(); // a second release of the same slot frees nothing more
    (await waiting)();
    expect(second).toBe(true);
    expect(slots.inUse('proxy')).toBe(0);
    poster();
  });

  it('reads the limit live: a raised limit lets a waiter in at the next release', async () => {
    let limit = 1;
    const slots = new ProfileSlots(() => limit);
    const first = await slots.acquire('proxy');
    const a = slots.acquire('proxy');
    const b = slots.acquire('proxy');
    limit = 3;
    first();
    await Promise.all([a, b]);
    expect(slots.inUse('proxy')).toBe(2);
  });

  it('rejects a waiter whose job is aborted, without taking a slot', async () => {
    const slots = new ProfileSlots(() => 1);
    const held = await slots.acquire('keyframes');
    const controller = new AbortController();
    const waiting = slots.acquire('keyframes', controller.signal);
    controller.abort(new Error('lease lost'));
    await expect(waiting).rejects.toThrow('lease lost');
    held();
    expect(slots.inUse('keyframes')).toBe(0);
  });
});
