import { z } from 'zod';
import { describeProblems, errorBody, zodProblems } from './api-errors';
import { createRateLimiter } from './rate-limit';

describe('API errors', () => {
  it('turns zod issues into dotted field paths', () => {
    const schema = z.object({ name: z.string().min(1), roles: z.array(z.enum(['MAIN'])) }).strict();
    const result = schema.safeParse({ name: '', roles: ['MAIN', 'X'], extra: 1 });
    expect(result.success).toBe(false);
    if (result.success) return;
    expect(zodProblems(result.error).map((p) => p.path)).toEqual(['name', 'roles.1', '(body)']);
    expect(zodProblems(result.error, 'id')[0]?.path).toBe('id.name');
  });

  it('builds ApiErrorBody values with the reason phrase and optional fields', () => {
    expect(errorBody(404, 'node x not found')).toEqual({
      statusCode: 404,
      error: 'Not Found',
      message: 'node x not found',
    });
    expect(errorBody(400, 'bad', [{ path: 'a', message: 'm' }])).toMatchObject({
      fields: [{ path: 'a', message: 'm' }],
    });
    expect(errorBody(400, 'bad', [])).not.toHaveProperty('fields');
  });

  it('summarises problems in one line', () => {
    const problems = ['a', 'b', 'c', 'd', 'e'].map((path) => ({ path, message: 'wrong' }));
    expect(describeProblems(problems)).toBe('invalid request: a: wrong; b: wrong; c: wrong (and 2 more)');
  });
});

describe('rate limiter', () => {
  it('lets one event through per interval and counts the suppressed ones', () => {
    let t = 0;
    const limiter = createRateLimiter(1000, () => t);
    expect(limiter.take()).toBe(0);
    t = 500;
    expect(limiter.take()).toBeUndefined();
    expect(limiter.take()).toBeUndefined();
    t = 1000;
    expect(limiter.take()).toBe(2);
  });
});
