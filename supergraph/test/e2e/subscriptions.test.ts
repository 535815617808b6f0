/**
 * Operators watching the audit stream: the AuditEvents subscription over graphql-ws through
 * the gateway, fed by the events the services publish. A failed login reaches the
 * subscriber with `actor { email }` resolved by identity; one operator's clients subscribed
 * alike share one subscription at audit; the subscription needs audit.log.read, and losing it
 * ends a live subscription with the reason.
 */
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contractOperation } from '../harness/operations.js';
import { startTestPlatform, type TestPlatform } from '../harness/platform.js';
import { login, registerUser } from '../harness/users.js';

let platform: TestPlatform;
const clients: Client[] = [];
beforeAll(async () => {
  platform = await startTestPlatform();
});
afterAll(async () => {
  for (const client of clients) await client.dispose();
  await platform.stop();
});

function connect(accessToken: string, gatewayUrl = platform.gatewayUrl): Client {
  const client = createClient({
    url: gatewayUrl.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${accessToken}` },
    retryAttempts: 0,
  });
  clients.push(client);
  return client;
}

interface Received {
  next: Record<string, unknown>[];
  error: unknown;
  completed: boolean;
}

function subscribe(client: Client, variables: Record<string, unknown>): Received {
  const received: Received = { next: [], error: undefined, completed: false };
  client.subscribe(
    { query: contractOperation('AuditEvents'), variables },
    {
      next: (value) => received.next.push(value as Record<string, unknown>),
      error: (error) => (received.error = error),
      complete: () => (received.completed = true),
    },
  );
  return received;
}

async function until(condition: () => boolean, what: string, timeoutMs = 8000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Live subscriptions at the audit subgraph (its `graphql_subscriptions_active` gauge). */
async function auditSubscriptions(): Promise<number> {
  const response = await fetch(new URL('/metrics', platform.subgraphUrls.audit));
  const gauge = /^graphql_subscriptions_active(?:\{[^}]*\})? (\d+)$/m.exec(await response.text());
  if (!gauge) throw new Error('audit reports no graphql_subscriptions_active');
  return Number(gauge[1]);
}

const failLogin = (email: string) =>
  platform.graphql(contractOperation('Login'), { email, password: 'definitely wrong password' });

describe('the AuditEvents subscription', () => {
  it('delivers a failed login with the actor’s email resolved from identity', async () => {
    const admin = await login(platform, platform.admin);
    const victim = await registerUser(platform, 'watched');
    const received = subscribe(connect(admin.accessToken), { filter: { action: 'auth.login.failed' } });
    await new Promise((resolve) => setTimeout(resolve, 300)); // let the subscription reach audit
    await failLogin(victim.email);
    await until(() => received.next.length > 0 || received.error !== undefined, 'the failed-login event');
    expect(received.error).toBeUndefined();
    expect(received.next[0]).toMatchObject({
      data: {
        auditEvents: {
          action: 'auth.login.failed',
          outcome: 'FAILURE',
          actor: { id: victim.id, email: victim.email },
          target: { type: 'user', id: victim.id },
        },
      },
    });
  });

  it('two gateway replicas each deliver every event to their own clients exactly once', async () => {
    const admin = await login(platform, platform.admin);
    const replica = await platform.startGatewayReplica();
    const victim = await registerUser(platform, 'replicated');
    const filter = { filter: { action: 'auth.login.failed', actorId: victim.id } };
    const viaFirst = subscribe(connect(admin.accessToken), filter);
    const viaSecond = subscribe(connect(admin.accessToken, replica.gatewayUrl), filter);
    await new Promise((resolve) => setTimeout(resolve, 400));
    await failLogin(victim.email);
    await failLogin(victim.email);
    await until(() => viaFirst.next.length >= 2 && viaSecond.next.length >= 2, 'both events on both replicas');
    await new Promise((resolve) => setTimeout(resolve, 300)); // nothing more arrives
    for (const received of [viaFirst, viaSecond]) {
      expect(received.error).toBeUndefined();
      const ids = received.next.map((value) => (value.data as { auditEvents: { id: string } }).auditEvents.id);
      expect(ids).toHaveLength(2);
      expect(new Set(ids).size).toBe(2);
    }
  });

  it('shares one subscription at audit among one operator’s clients subscribed alike, each getting every event', async () => {
    const admin = await login(platform, platform.admin);
    const victim = await registerUser(platform, 'shared');
    const filter = { filter: { action: 'auth.login.failed', actorId: victim.id } };
    const before = await auditSubscriptions();
    const clients = [1, 2, 3].map(() => subscribe(connect(admin.accessToken), filter));
    // The gateway opens the group's one upstream subscription when the first client joins.
    const deadline = Date.now() + 8000;
    while ((await auditSubscriptions()) < before + 1 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await new Promise((resolve) => setTimeout(resolve, 300)); // let the others join
    await failLogin(victim.email);
    await failLogin(victim.email);
    await until(() => clients.every((received) => received.next.length >= 2), 'both events on every client');
    for (const received of clients) {
      expect(received.error).toBeUndefined();
      const ids = received.next.map((value) => (value.data as { auditEvents: { id: string } }).auditEvents.id);
      expect(new Set(ids).size).toBe(2);
    }
    expect(await auditSubscriptions()).toBe(before + 1);
  });

  it('denies a subscriber without audit.log.read', async () => {
    const user = await registerUser(platform, 'nosy');
    const session = await login(platform, user);
    const received = subscribe(connect(session.accessToken), {});
    await until(() => received.error !== undefined || received.completed, 'the denial');
    expect(JSON.stringify(received.error)).toContain('UNAUTHORIZED_FIELD_OR_TYPE');
    expect(received.next).toEqual([]);
  });

  it('ends a live subscription, saying why, when its permission is revoked', async () => {
    const admin = (await login(platform, platform.admin)).accessToken;
    const operator = await registerUser(platform, 'operator');
    const created = await platform.graphql<{ createRole: { role: { id: string } } }>(
      contractOperation('CreateRole'),
      { name: `watcher_${Date.now().toString(36)}`, permissions: ['audit.log.read'] },
      { token: admin },
    );
    const roleId = created.body.data!.createRole.role.id;
    await platform.graphql(contractOperation('AssignRole'), { userId: operator.id, roleId }, { token: admin });
    const operatorSession = await login(platform, operator);
    const received = subscribe(connect(operatorSession.accessToken), { filter: { action: 'auth.login.failed' } });
    await new Promise((resolve) => setTimeout(resolve, 300));
    await failLogin(operator.email);
    await until(() => received.next.length > 0, 'an event while still allowed');

    await platform.graphql(contractOperation('UnassignRole'), { userId: operator.id, roleId }, { token: admin });
    await failLogin(operator.email);
    await until(() => received.error !== undefined, 'the subscription to end');
    expect(JSON.stringify(received.error)).toMatch(/no longer authorized/);
    expect(received.next).toHaveLength(1);
  });
});
