/**
 * Federated subscriptions through the real gateway: events from the audit subgraph completed
 * with fields from identity, authorized like queries, re-authorized on every event, ended
 * when the access token expires.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { gatewayClient, record, startHarness, waitFor, type Harness } from './harness.js';

let harness: Harness;

beforeAll(async () => {
  harness = await startHarness();
});

afterAll(async () => {
  await harness?.stop();
});

// Every test ends its subscriptions: wait until the subgraph has seen the previous ones go.
beforeEach(async () => {
  await waitFor(() => harness.stream.size === 0);
});

const AUDIT_EVENTS = 'subscription Audit { auditEvents { id action actor { id name email } } }';

/** Subscribes `userId`, granted `permissions`, to AUDIT_EVENTS; resolves once audit has the upstream subscription. */
async function subscribeToAuditEvents(userId: string, permissions: string[], tokenTtlMs?: number, sessionId?: string) {
  await harness.setPermissions(userId, permissions);
  const token = harness.mintToken(userId, tokenTtlMs, sessionId);
  const { client } = gatewayClient(harness, { authorization: `Bearer ${token}` });
  const live = record(client, AUDIT_EVENTS);
  await waitFor(() => harness.stream.size === 1);
  return { client, live, token };
}

describe('federated subscriptions', () => {
  it('delivers each event with the entity fields resolved by the other subgraph', async () => {
    const { client, live } = await subscribeToAuditEvents('u1', ['audit.log.read', 'identity.user.read']);

    harness.stream.publish({ id: 'e1', action: 'user.login', actorId: 'u2' });
    harness.stream.publish({ id: 'e2', action: 'role.grant', actorId: null });
    await waitFor(() => live.results.length === 2);
    expect(live.results).toEqual([
      {
        data: {
          auditEvents: { id: 'e1', action: 'user.login', actor: { id: 'u2', name: 'Bob', email: 'bob@example.com' } },
        },
      },
      { data: { auditEvents: { id: 'e2', action: 'role.grant', actor: null } } },
    ]);
    // Both subgraphs got the caller from the gateway proof, with the caller's permissions.
    expect(harness.stream.callers.at(-1)).toMatchObject({
      userId: 'u1',
      permissions: ['audit.log.read', 'identity.user.read'],
    });
    expect(harness.identityCallers.at(-1)).toMatchObject({ userId: 'u1' });

    // The client ends it: the upstream subscription at the subgraph ends too.
    live.unsubscribe();
    await waitFor(() => harness.stream.size === 0);
    await client.dispose();
  });

  it('serves a subscription its owning subgraph resolves alone (no entity fetch)', async () => {
    await harness.setPermissions('u1', []);
    const { client } = gatewayClient(harness, { authorization: `Bearer ${harness.mintToken('u1')}` });
    const live = record(client, 'subscription { beat: heartbeat }');
    await waitFor(() => live.results.length >= 2);
    expect(live.results.slice(0, 2)).toEqual([{ data: { beat: 1 } }, { data: { beat: 2 } }]);
    live.unsubscribe();
    await client.dispose();
  });

  it('passes variables and accepts the token as { accessToken }', async () => {
    await harness.setPermissions('u1', ['audit.log.read', 'identity.user.read']);
    const { client } = gatewayClient(harness, { accessToken: harness.mintToken('u1') });
    const live = record(
      client,
      'subscription ($action: String) { auditEvents(action: $action) { id actor { name } } }',
      { action: 'user.logout' },
    );
    await waitFor(() => harness.stream.size === 1);
    harness.stream.publish({ id: 'e3', action: 'user.login', actorId: 'u1' });
    harness.stream.publish({ id: 'e4', action: 'user.logout', actorId: 'u1' });
    await waitFor(() => live.results.length === 1);
    expect(live.results).toEqual([{ data: { auditEvents: { id: 'e4', actor: { name: 'Alice' } } } }]);
    await client.dispose();
  });

  it('serves an anonymous connection what anonymous callers may see, and refuses the rest', async () => {
    const { client } = gatewayClient(harness);
    const ticks = record(client, 'subscription { publicTicks }');
    await waitFor(() => ticks.results.length >= 2);
    expect(ticks.results.slice(0, 2)).toEqual([{ data: { publicTicks: 1 } }, { data: { publicTicks: 2 } }]);
    ticks.unsubscribe();

    const callers = harness.stream.callers.length;
    const audit = record(client, AUDIT_EVENTS);
    expect(await audit.ended).toEqual([
      {
        message: 'Unauthorized field or type',
        path: ['auditEvents'],
        extensions: { code: 'UNAUTHORIZED_FIELD_OR_TYPE' },
      },
    ]);
    const beat = record(client, 'subscription { heartbeat }');
    expect(await beat.ended).toEqual([
      {
        message: 'Unauthorized field or type',
        path: ['heartbeat'],
        extensions: { code: 'UNAUTHORIZED_FIELD_OR_TYPE' },
      },
    ]);
    // Refused at the gateway: the subgraph never saw the subscriptions.
    expect(harness.stream.callers.length).toBe(callers);
    await client.dispose();
  });

  it('closes with 4403 Forbidden with a bad or an expired token', async () => {
    const bad = gatewayClient(harness, { authorization: 'Bearer not-a-token' });
    record(bad.client, AUDIT_EVENTS);
    expect(await bad.closed).toMatchObject({ code: 4403 });

    const expired = gatewayClient(harness, { authorization: `Bearer ${harness.mintToken('u1', -1000)}` });
    record(expired.client, AUDIT_EVENTS);
    expect(await expired.closed).toMatchObject({ code: 4403 });
  });

  it('denies a subscription the caller lacks the scope for, without asking the subgraph', async () => {
    await harness.setPermissions('u2', []);
    const { client } = gatewayClient(harness, { authorization: `Bearer ${harness.mintToken('u2')}` });
    const callers = harness.stream.callers.length;
    const denied = record(client, AUDIT_EVENTS);
    expect(await denied.ended).toEqual([
      {
        message: 'Unauthorized field or type',
        path: ['auditEvents'],
        extensions: { code: 'UNAUTHORIZED_FIELD_OR_TYPE' },
      },
    ]);
    expect(denied.results).toEqual([]);
    expect(harness.stream.callers.length).toBe(callers);
    await client.dispose();
  });

  it('filters the fields the caller may not see, with an error at each', async () => {
    const { client, live } = await subscribeToAuditEvents('u2', ['audit.log.read']);
    harness.stream.publish({ id: 'e5', action: 'user.login', actorId: 'u1' });
    await waitFor(() => live.results.length === 1);
    expect(live.results).toEqual([
      {
        data: { auditEvents: { id: 'e5', action: 'user.login', actor: { id: 'u1', name: 'Alice', email: null } } },
        errors: [
          {
            message: 'Unauthorized field or type',
            path: ['auditEvents', 'actor', 'email'],
            extensions: { code: 'UNAUTHORIZED_FIELD_OR_TYPE' },
          },
        ],
      },
    ]);
    await client.dispose();
  });

  it('ends a live subscription, saying why, once its permission is revoked', async () => {
    const { client, live } = await subscribeToAuditEvents('u1', ['audit.log.read', 'identity.user.read']);
    harness.stream.publish({ id: 'e6', action: 'user.login', actorId: 'u1' });
    await waitFor(() => live.results.length === 1);

    await harness.setPermissions('u1', ['identity.user.read']);
    harness.stream.publish({ id: 'e7', action: 'user.login', actorId: 'u1' });
    expect(await live.ended).toEqual([
      {
        message: 'Subscription ended: the caller is no longer authorized for Subscription.auditEvents',
        extensions: { code: 'UNAUTHORIZED_FIELD_OR_TYPE' },
      },
    ]);
    expect(live.results).toHaveLength(1);
    await waitFor(() => harness.stream.size === 0);
    await client.dispose();
  });

  it('ends a live subscription, saying why, once its session is revoked (logout, password change, deletion)', async () => {
    const userId = randomUUID();
    const sessionId = randomUUID();
    const { client, live, token } = await subscribeToAuditEvents(userId, ['audit.log.read'], undefined, sessionId);
    harness.stream.publish({ id: 'r1', action: 'user.login', actorId: 'u1' });
    await waitFor(() => live.results.length === 1);

    await harness.revokeSession(userId, sessionId);
    // The revocation reaches the gateway through its event bus: once HTTP refuses the token, the next event finds it too.
    let refused = false;
    const probe = async () => {
      const response = await fetch(`${harness.gatewayUrl}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: '{ __typename }' }),
      });
      refused = response.status === 401;
    };
    while (!refused) await probe();
    harness.stream.publish({ id: 'r2', action: 'user.login', actorId: 'u1' });
    expect(await live.ended).toEqual([
      {
        message:
          'Subscription ended: the session has ended (signed out, password changed or account deleted); sign in again',
        extensions: { code: 'UNAUTHENTICATED' },
      },
    ]);
    expect(live.results).toHaveLength(1);
    await waitFor(() => harness.stream.size === 0);
    await client.dispose();
  });

  it('ends a live subscription when a field it selected is no longer authorized', async () => {
    const { client, live } = await subscribeToAuditEvents('u1', ['audit.log.read', 'identity.user.read']);

    await harness.setPermissions('u1', ['audit.log.read']);
    harness.stream.publish({ id: 'e8', action: 'user.login', actorId: 'u1' });
    expect(await live.ended).toEqual([
      {
        message: 'Subscription ended: the caller is no longer authorized for User.email',
        extensions: { code: 'UNAUTHORIZED_FIELD_OR_TYPE' },
      },
    ]);
    expect(live.results).toEqual([]);
    await client.dispose();
  });

  it('ends a live subscription when the access token expires', async () => {
    const { client, live } = await subscribeToAuditEvents('u1', ['audit.log.read', 'identity.user.read'], 1500);
    harness.stream.publish({ id: 'e9', action: 'user.login', actorId: null });
    await waitFor(() => live.results.length === 1);

    // No event needed: the subscription ends at the token's expiry.
    expect(await live.ended).toEqual([
      {
        message: 'Subscription ended: the access token has expired; subscribe again with a new token',
        extensions: { code: 'UNAUTHENTICATED' },
      },
    ]);
    await waitFor(() => harness.stream.size === 0);
    await client.dispose();
  });

  it('refuses queries over WebSocket and reports validation errors', async () => {
    await harness.setPermissions('u1', ['audit.log.read']);
    const { client } = gatewayClient(harness, { authorization: `Bearer ${harness.mintToken('u1')}` });
    expect(await record(client, '{ user(id: "u1") { name } }').ended).toEqual([
      {
        message: 'Only subscriptions are served over WebSocket: send queries and mutations over HTTP',
        extensions: { code: 'BAD_REQUEST' },
      },
    ]);
    expect(await record(client, 'subscription { nope }').ended).toEqual([
      expect.objectContaining({
        message: 'Cannot query field "nope" on type "Subscription".',
        extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
      }),
    ]);
    await client.dispose();
  });
});
