import { randomUUID } from 'node:crypto';
import { createRedis, type RedisClient } from '@platform/service-kit';
import { errorCode, testRedisUrl } from '@platform/devkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createMemoryLoginThrottle,
  createRedisLoginThrottle,
  throttleAccountKey,
  type LockState,
  type LoginThrottle,
  type LoginThrottlePolicy,
} from '../src/domain/login-throttle.js';
import { LOGIN, newUser, startAuth, type AuthHarness, type LoginData } from './support.js';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const policy: LoginThrottlePolicy = {
  maxFailures: 3,
  failureWindowSeconds: 1,
  lockSeconds: 1,
  maxLockSeconds: 2,
};

interface Implementation {
  name: string;
  create: (policy: LoginThrottlePolicy) => LoginThrottle;
  /** Lets time pass: a fake clock in memory, real time against Redis. */
  advance: (ms: number) => Promise<void>;
}

let redis: RedisClient;
let clock = Date.now();
const implementations: Implementation[] = [
  {
    name: 'in memory',
    create: (throttlePolicy) => createMemoryLoginThrottle(throttlePolicy, { now: () => clock }),
    advance: async (ms) => {
      clock += ms;
    },
  },
  {
    name: 'in Redis',
    create: (throttlePolicy) => createRedisLoginThrottle(redis, throttlePolicy, { keyPrefix: `test:${randomUUID()}:` }),
    advance: sleep,
  },
];

beforeAll(() => {
  redis = createRedis(testRedisUrl(), 'auth-test');
});
afterAll(async () => {
  await redis.quit();
});

describe.each(implementations)('login throttle $name', ({ create, advance }) => {
  /** `times` attempts that each fail their verification; the last state (refused attempts count nothing). */
  const fail = async (throttle: LoginThrottle, account: string, times: number) => {
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

describe('in-memory login throttle', () => {
  it('caps the lock at 24 hours and forgets earlier locks after 24 hours', async () => {
    let now = 0;
    const throttle = createMemoryLoginThrottle(
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
    const throttle = createMemoryLoginThrottle(
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

  it('normalises the account key from the email', () => {
    expect(throttleAccountKey('  Alice@Example.TEST ')).toBe('alice@example.test');
  });
});

describe.each([
  { name: 'in memory', redis: false },
  { name: 'in Redis', redis: true },
])('login lockout through the API, throttle $name', ({ redis: useRedis }) => {
  const user = newUser('locked');
  let auth: AuthHarness;

  beforeAll(async () => {
    // Verification takes a while, as argon2id does, so concurrent guesses overlap.
    auth = await startAuth({ users: [user], redis: useRedis, verifyDelayMs: 50, env: { LOGIN_LOCK_SECONDS: '1' } });
  });
  afterAll(() => auth?.stop());

  const attempt = (password: string, email = user.email) => auth.graphql<LoginData>(LOGIN, { email, password });
  const expectRefused = (result: Awaited<ReturnType<typeof attempt>>) => {
    expect(result.body.data).toBeNull();
    expect(errorCode(result)).toBe('UNAUTHENTICATED');
    expect(result.body.errors?.[0]?.message).toBe('Invalid email or password');
  };

  it('locks after five failures with the same error as a wrong password, then recovers, then locks longer', async () => {
    for (let failure = 0; failure < 5; failure += 1) expectRefused(await attempt('wrong'));

    // Locked: the right password is refused exactly like a wrong one, and is not even verified.
    const callsBefore = auth.verifier.calls;
    const whileLocked = await attempt(user.password, `  ${user.email.toUpperCase()} `);
    expectRefused(whileLocked);
    expect(auth.verifier.calls).toBe(callsBefore);

    await sleep(1100);
    expect((await attempt(user.password)).body.data?.login.user.id).toBe(user.id);

    // A second lock within 24 hours lasts twice as long: still locked after one second.
    for (let failure = 0; failure < 5; failure += 1) expectRefused(await attempt('wrong'));
    await sleep(1100);
    expectRefused(await attempt(user.password));
    await sleep(1000);
    expect((await attempt(user.password)).body.data?.login.user.id).toBe(user.id);
  });

  it('lets at most five of twenty concurrent wrong guesses reach verification', async () => {
    const target = newUser('concurrent');
    auth.users.push(target);
    const callsBefore = auth.verifier.calls;
    const results = await Promise.all(Array.from({ length: 20 }, () => attempt('wrong guess', target.email)));
    for (const result of results) expectRefused(result);
    expect(auth.verifier.calls - callsBefore).toBe(5);
    // The five failures locked the account: the right password is refused too.
    expectRefused(await attempt(target.password, target.email));
  });

  it(`reports readiness${useRedis ? ' including Redis' : ''}`, async () => {
    const response = await fetch(`${auth.url}/readyz`);
    expect(await response.json()).toEqual({
      status: 'ready',
      checks: useRedis ? { database: true, redis: true } : { database: true },
    });
  });
});

describe('login throttle store unreachable', () => {
  const user = newUser('unthrottled');
  let auth: AuthHarness;

  beforeAll(async () => {
    // Nothing listens on port 1: every throttle command fails.
    auth = await startAuth({ users: [user], env: { REDIS_URL: 'redis://127.0.0.1:1' } });
  });
  afterAll(() => auth?.stop());

  it('refuses the sign-in without verifying the password (fails closed)', async () => {
    const result = await auth.graphql<LoginData>(LOGIN, { email: user.email, password: user.password });
    expect(result.body.data).toBeNull();
    expect(errorCode(result)).toBe('INTERNAL_SERVER_ERROR');
    expect(auth.verifier.calls).toBe(0);
  });
});
