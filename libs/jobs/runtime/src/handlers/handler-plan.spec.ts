import { defineJob } from '@portico/jobs-contracts';
import { z } from 'zod';

import { consumedJobs, HandlerDiscoveryError, planHandlers } from './handler-plan';
import { markedHandlersOf, OnJob } from './on-job';

const job = (name: string, role: 'CHECKSUM' | 'TRANSFER') =>
  defineJob({
    name,
    role,
    payload: z.object({}),
    retry: { limit: 0, delaySeconds: 0, backoff: false },
    deadLetter: false,
  });
const a = job('test.a', 'CHECKSUM');
const b = job('test.b', 'TRANSFER');
const catalogue = [a, b];

describe('planHandlers', () => {
  it('maps each consumed job to its one handler', () => {
    const plan = planHandlers(consumedJobs(['CHECKSUM'], catalogue), [{ def: a, where: 'A.run' }]);
    expect([...plan.keys()]).toEqual(['test.a']);
    expect(plan.get('test.a')?.where).toBe('A.run');
  });

  it('refuses a consumed job without a handler, naming it and its role', () => {
    expect(() =>
      planHandlers(consumedJobs(['CHECKSUM', 'TRANSFER'], catalogue), [{ def: a, where: 'A.run' }]),
    ).toThrow(
      new HandlerDiscoveryError('Job handlers are miswired: no handler for job "test.b" (role TRANSFER).'),
    );
  });

  it('refuses two handlers for one job, naming both', () => {
    expect(() =>
      planHandlers(consumedJobs(['CHECKSUM'], catalogue), [
        { def: a, where: 'A.run' },
        { def: a, where: 'B.run' },
      ]),
    ).toThrow(/2 handlers for job "test.a": A.run, B.run/);
  });

  it('refuses a handler of a role the node does not hold', () => {
    expect(() =>
      planHandlers(consumedJobs(['CHECKSUM'], catalogue), [
        { def: a, where: 'A.run' },
        { def: b, where: 'T.run' },
      ]),
    ).toThrow(/T.run handles "test.b" of role TRANSFER, which this node does not hold/);
  });
});

describe('@OnJob', () => {
  class Base {
    @OnJob(a)
    async first(): Promise<void> {}
  }
  class Derived extends Base {
    @OnJob(b)
    async second(): Promise<void> {}
  }

  it('finds marked methods, inherited ones included', () => {
    const found = markedHandlersOf(new Derived()).map((h) => [h.def.name, h.method]);
    expect(found.sort()).toEqual([
      ['test.a', 'first'],
      ['test.b', 'second'],
    ]);
    expect(markedHandlersOf({})).toEqual([]);
  });
});
