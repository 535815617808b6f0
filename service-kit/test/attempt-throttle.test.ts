/**
 * The kit's attempt throttle, in memory and in Redis: counting before verification, locks
 * and their escalation, and a memory store that never drops a live lock.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  createMemoryAttemptThrottle,
  createRedisAttemptThrottle,
  type AttemptThrottle,
  type AttemptThrottlePolicy,
  type LockState,
} from '../src/attempt-throttle.js';
import { createRedis, type RedisClient } from '../src/redis.js';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const policy: AttemptThrottlePolicy = {
  maxFailures: 3,
  failureWindowSeconds: 1,
  lockSeconds: 1,
  maxLockSeconds: 2,
};

interface Implementation {
  name: string;
  create: (policy: AttemptThrottlePolicy) => AttemptThrottle;
  /** Lets time pass: a fake clock in memory, real time against Redis. */
  advance: (ms: number) => Promise<void>;
}

let redis: RedisClient;
let clock = Date.now();
const implementations: Implementation[] = [
  {
    name: 'in memory',
    create: (throttlePolicy) => createMemoryAttemptThrottle(throttlePolicy, { now: () => clock }),
    advance: async (ms) => {
      clock += ms;
    },
  },
  {
    name: 'in Redis',
    create: (throttlePolicy) => createRedisAttemptThrottle(redis, throttlePolicy, `test:${randomUUID()}:`),
    advance: sleep,
  },
];

beforeAll(() => {
  redis = createRedis(inject('redisUrl'), 'attempt-throttle-test');
});
afterAll(async () => {
  await redis.quit();
});

describe.each(implementations)('attempt throttle $name', ({ create, advance }) => {
  /** `times` attempts that each fail their verification; the last state (refused attempts count nothing). */
  const fail = async (throttle: AttemptThrottle, account: string, times: number) => {
    let last: LockState = { locked: false, retryAfterMs: 0 };
    for (let attempt = 0; attempt < times; attempt += 1) {
      last = await throttle.attempt(account);
      if (!last.locked) last = await throttle.recordFailure(account);
    }
    return last;
  };

  it('locks an account after the maximum number of failures within the window', async () => {
    const throttle = create(policy);
    const account = randomUUID();
    expect(await fail(throttle, account, 2)).toEqual({ locked: false, retryAfterMs: 0 });
    expect((await throttle.status(account)).locked).toBe(false);
    const locked = await fail(throttle, account, 1);
    expect(locked).toEqual({ locked: true, retryAfterMs: 1000 });
    const status = await throttle.status(account);
    expect(status.locked).toBe(true);
    expect(status.retryAfterMs).toBeGreaterThan(0);
    expect(status.retryAfterMs).toBeLessThanOrEqual(1000);
  });

  it('unlocks when the lock ends', async () => {
    const throttle = create(policy);
    const account = randomUUID();
    await fail(throttle, account, 3);
    await advance(1050);
    expect(await throttle.status(account)).toEqual({ locked: false, retryAfterMs: 0 });
  });

  it('forgets failures older than the window', async () => {
    const throttle = create(policy);
    const account = randomUUID();
    await fail(throttle, account, 2);
    await advance(1050);
    expect((await fail(throttle, account, 2)).locked).toBe(false);
  });

  it('doubles the lock for each further lock, up to the maximum', async () => {
    const throttle = create(policy);
    const account = randomUUID();
    expect((await fail(throttle, account, 3)).retryAfterMs).toBe(1000);
    await advance(1050);
    expect((await fail(throttle, account, 3)).retryAfterMs).toBe(2000);
    await advance(2050);
    // 4 s would be next, but the maximum is 2 s.
    expect((await fail(throttle, account, 3)).retryAfterMs).toBe(2000);
  });

  it('does not count attempts made while locked', async () => {
    const throttle = create(policy);
    const account = randomUUID();
    await fail(throttle, account, 3);
    await fail(throttle, account, 5);
    await advance(1050);
    expect((await fail(throttle, account, 2)).locked).toBe(false);
  });

  it('clears the failure count after a successful login', async () => {
    const throttle = create(policy);
    const account = randomUUID();
    await fail(throttle, account, 2);
    await throttle.recordSuccess(account);
    expect((await fail(throttle, account, 2)).locked).toBe(false);
  });

  it('lets no more concurrent attempts reach verification than the budget, before any of them fails', async () => {
    const throttle = create(policy);
    const account = randomUUID();
    const attempts = await Promise.all(Array.from({ length: 20 }, () => throttle.attempt(account)));
    expect(attempts.filter((state) => !state.locked)).toHaveLength(policy.maxFailures);
    // The budget's failures then lock the account.
    const failures = [];
    for (let index = 0; index < policy.maxFailures; index += 1) failures.push(await throttle.recordFailure(account));
    expect(failures.at(-1)?.locked).toBe(true);
    expect((await throttle.attempt(account)).locked).toBe(true);
  });

  it('frees the budget of attempts in flight when one of them succeeds', async () => {
    const throttle = create(policy);
    const account = randomUUID();
    for (let index = 0; index < policy.maxFailures; index += 1) await throttle.attempt(account);
    expect((await throttle.attempt(account)).locked).toBe(true);
    await throttle.recordSuccess(account);
    expect((await throttle.attempt(account)).locked).toBe(false);
  });

  it('keeps accounts apart', async () => {
    const throttle = create(policy);
    const locked = randomUUID();
    await fail(throttle, locked, 3);
    expect((await throttle.status(randomUUID())).locked).toBe(false);
  });
});

describe('in-memory attempt throttle', () => {
  it('caps the lock at 24 hours and forgets earlier locks after 24 hours', async () => {
    let now = 0;
    const throttle = createMemoryAttemptThrottle(
      { maxFailures: 1, failureWindowSeconds: 60, lockSeconds: 3600 },
      { now: () => now },
    );
    const locks: number[] = [];
    for (let lock = 0; lock < 7; lock += 1) {
      expect((await throttle.attempt('account')).locked).toBe(false);
      const state = await throttle.recordFailure('account');
      locks.push(state.retryAfterMs / 3_600_000);
      now += state.retryAfterMs + 1;
    }
    expect(locks).toEqual([1, 2, 4, 8, 16, 24, 24]);
    now += 24 * 3_600_000 + 1;
    await throttle.attempt('account');
    expect((await throttle.recordFailure('account')).retryAfterMs).toBe(3_600_000);
  });

  it('never evicts a live lock: when full, it refuses new accounts until entries lapse', async () => {
    let now = 0;
    const throttle = createMemoryAttemptThrottle(
      { maxFailures: 1, failureWindowSeconds: 60, lockSeconds: 3600 },
      { now: () => now, maxEntries: 2 },
    );
    await throttle.attempt('locked');
    expect((await throttle.recordFailure('locked')).locked).toBe(true);
    expect((await throttle.attempt('counting')).locked).toBe(false);

    // Full of live entries: a third account is refused, and the lock survives.
    expect(await throttle.attempt('newcomer')).toEqual({ locked: true, retryAfterMs: 60_000 });
    expect((await throttle.status('locked')).locked).toBe(true);

    // Once the count lapses, its room is reused; the lock still holds.
    now += 61_000;
    expect((await throttle.attempt('newcomer')).locked).toBe(false);
    expect((await throttle.status('locked')).locked).toBe(true);
  });
});
