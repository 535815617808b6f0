/** Sign-in throttling through auth's API (the throttle itself is the kit's, tested there). */
import { errorCode } from '@platform/devkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { throttleAccountKey } from '../src/domain/session-service.js';
import { LOGIN, newUser, startAuth, type AuthHarness, type LoginData } from './support.js';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

it('keys sign-in attempts by the email, trimmed and lower-cased', () => {
  expect(throttleAccountKey('  Alice@Example.TEST ')).toBe('alice@example.test');
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
