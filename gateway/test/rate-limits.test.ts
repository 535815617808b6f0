/**
 * Rate limits, in memory and in a real Redis (shared by two gateway replicas): the request
 * budgets per client and per user, the expensive-operation budget counted per operation, the
 * Retry-After a refusal carries, and the IETF RateLimit fields.
 */
import { createRedis, type RedisClient } from '@platform/service-kit';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createRateLimits, rateLimitHeaders, type RateLimits, type RateLimitSettings } from '../src/rate-limits.js';

const settings: RateLimitSettings = {
  windowSeconds: 60,
  perClient: 5,
  perUser: 3,
  expensiveWindowSeconds: 300,
  expensivePerClient: 4,
  expensivePerUser: 2,
};

let redis: RedisClient;
beforeAll(() => {
  redis = createRedis(inject('redisUrl'), 'gateway-rate-limits-test');
});
afterAll(() => {
  redis.disconnect();
});

/** Fresh limits (and, in Redis, keys no other test run shares), as one gateway replica builds them. */
type Replicas = () => RateLimits;
const stores: [string, () => Replicas][] = [
  ['in memory', () => () => createRateLimits(settings)],
  [
    'in Redis',
    () => {
      const keyPrefix = `test:rate-limit:${randomBytes(4).toString('hex')}`;
      return () => createRateLimits(settings, { redis, keyPrefix });
    },
  ],
];

const count = async (times: number, call: () => Promise<{ retryAfterSeconds: number | null }>) => {
  const refused: (number | null)[] = [];
  for (let i = 0; i < times; i++) refused.push((await call()).retryAfterSeconds);
  return refused;
};

describe.each(stores)('rate limits %s', (_name, replicasOf) => {
  it('allow a client its requests per window, then refuse with the seconds until the window ends', async () => {
    const limits = replicasOf()();
    const results = await count(6, () => limits.request({ client: '203.0.113.1', userId: null }));
    expect(results.slice(0, 5)).toEqual([null, null, null, null, null]);
    expect(results[5]).toBeGreaterThan(0);
    expect(results[5]).toBeLessThanOrEqual(60);
    // Another address has its own budget.
    expect((await limits.request({ client: '203.0.113.2', userId: null })).retryAfterSeconds).toBeNull();
  });

  it('count a user across addresses', async () => {
    const limits = replicasOf()();
    const results = await count(4, () =>
      limits.request({ client: null, userId: `user-${randomBytes(4).toString('hex')}` }),
    );
    expect(results).toEqual([null, null, null, null]); // four users, one request each
    const user = `user-${randomBytes(4).toString('hex')}`;
    const sameUser = await count(4, () => limits.request({ client: null, userId: user }));
    expect(sameUser.map((seconds) => seconds !== null)).toEqual([false, false, false, true]);
  });

  it('count every expensive operation of a request, and refuse a batch larger than what is left', async () => {
    const limits = replicasOf()();
    const client = { client: '203.0.113.3', userId: null };
    const first = await limits.expensive(client, 3);
    expect(first.retryAfterSeconds).toBeNull();
    const headers = rateLimitHeaders(first.states);
    expect(headers['ratelimit-policy']).toBe('"expensive-client";q=4;w=300');
    expect(headers.ratelimit).toMatch(/^"expensive-client";r=1;t=(29\d|300)$/);
    expect((await limits.expensive(client, 2)).retryAfterSeconds).toBeGreaterThan(0);
    // A signed-in caller counts against both budgets; the stricter one refuses.
    const user = { client: '203.0.113.4', userId: `user-${randomBytes(4).toString('hex')}` };
    expect((await limits.expensive(user, 2)).retryAfterSeconds).toBeNull();
    const refused = await limits.expensive(user, 1);
    expect(refused.retryAfterSeconds).toBeGreaterThan(0);
    expect(refused.states.map((state) => [state.policy.name, state.remaining])).toEqual([
      ['expensive-client', 1],
      ['expensive-user', 0],
    ]);
    // Nothing expensive counts nothing.
    expect(await limits.expensive(client, 0)).toEqual({ retryAfterSeconds: null, states: [] });
  });
});

describe('rate limits in Redis', () => {
  it('are shared by every gateway replica', async () => {
    const replicas = stores[1]![1]();
    const [one, two] = [replicas(), replicas()];
    const client = { client: '203.0.113.5', userId: null };
    await count(3, () => one.request(client));
    const fromTwo = await count(3, () => two.request(client));
    expect(fromTwo.map((seconds) => seconds !== null)).toEqual([false, false, true]);
  });
});
