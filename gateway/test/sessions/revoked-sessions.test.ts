/**
 * The revoked-session set and its feed: auth's session.revoked events, as the event transport
 * delivers them, make the session's tokens refused until the access-token lifetime has passed;
 * with Redis the set is shared (and expires there), in memory it is this process's.
 */
import { randomUUID } from 'node:crypto';
import { createLogger, createRedis, type RedisClient } from '@platform/service-kit';
import { createEvent, createInProcessTransport, NO_REQUEST, type EventTransport } from '@platform/service-kit/events';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  consumeSessionRevocations,
  createMemoryRevokedSessions,
  createRedisRevokedSessions,
  type RevokedSessions,
} from '../../src/sessions/revoked-sessions.js';

const logger = createLogger({ service: 'gateway-test', level: 'silent' });

function sessionRevoked(sessionId: string, time: Date) {
  const userId = randomUUID();
  return createEvent({
    type: 'platform.auth.session.revoked.v1',
    subject: userId,
    time,
    data: {
      actorId: userId,
      target: { type: 'session', id: sessionId },
      context: NO_REQUEST,
      userId,
      sessionId,
      reason: 'logout',
    },
  });
}

const publish = (transport: EventTransport, event: { type: string; subject: string }) =>
  transport.publish([{ topic: 'platform.auth', key: event.subject, value: JSON.stringify(event) }]);

async function until(check: () => Promise<boolean>, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

let redis: RedisClient;
beforeAll(() => {
  redis = createRedis(inject('redisUrl'), 'gateway-sessions-test');
});
afterAll(async () => {
  await redis.quit();
});

describe.each([
  { name: 'in memory', create: (): RevokedSessions => createMemoryRevokedSessions() },
  { name: 'in Redis', create: (): RevokedSessions => createRedisRevokedSessions(redis) },
])('revoked sessions $name', ({ create }) => {
  it('refuses a session from its session.revoked event on, until the access-token lifetime has passed', async () => {
    const transport = createInProcessTransport();
    const revoked = create();
    const subscription = await consumeSessionRevocations({
      transport,
      revoked,
      shared: false,
      accessTokenTtlSeconds: 30,
      logger,
    });
    try {
      const current = randomUUID();
      const old = randomUUID();
      const untouched = randomUUID();
      // Revoked 40 s ago: every token of it (30 s, plus 5 s of clock tolerance) has expired.
      await publish(transport, sessionRevoked(old, new Date(Date.now() - 40_000)));
      await publish(transport, sessionRevoked(current, new Date()));
      await until(() => revoked.isRevoked(current));
      expect(await revoked.isRevoked(old)).toBe(false);
      expect(await revoked.isRevoked(untouched)).toBe(false);
    } finally {
      await subscription.stop();
      await transport.close();
    }
  });

  it('forgets a revocation once its time has passed', async () => {
    const revoked = create();
    const sessionId = randomUUID();
    await revoked.revoke(sessionId, Date.now() + 150);
    expect(await revoked.isRevoked(sessionId)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await revoked.isRevoked(sessionId)).toBe(false);
  });
});

describe('the revocation feed', () => {
  it('skips the other events of auth’s topic and events that do not validate', async () => {
    const transport = createInProcessTransport();
    const revoked = createMemoryRevokedSessions();
    const subscription = await consumeSessionRevocations({
      transport,
      revoked,
      shared: false,
      accessTokenTtlSeconds: 30,
      logger,
    });
    try {
      const sessionId = randomUUID();
      await transport.publish([
        { topic: 'platform.auth', key: null, value: '{"type":"platform.auth.session.revoked.v1"}' },
      ]);
      await publish(transport, sessionRevoked(sessionId, new Date()));
      await until(() => revoked.isRevoked(sessionId));
    } finally {
      await subscription.stop();
      await transport.close();
    }
  });
});
