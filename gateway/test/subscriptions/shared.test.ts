/**
 * Identical subscriptions share one upstream subscription and one completion per event, while
 * each client keeps its own per-event check of its caller.
 */
import { randomUUID } from 'node:crypto';
import type { Client } from 'graphql-ws';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { gatewayClient, record, startHarness, waitFor, type Harness, type Recorded } from './harness.js';

let harness: Harness;
const clients: Client[] = [];

beforeAll(async () => {
  harness = await startHarness();
});

afterAll(async () => {
  await harness?.stop();
});

beforeEach(async () => {
  await waitFor(() => harness.stream.size === 0);
});

afterEach(async () => {
  for (const client of clients.splice(0)) await client.dispose();
});

const AUDIT_EVENTS = 'subscription Audit { auditEvents { id action actor { id name email } } }';

function connect(token?: string): Client {
  const { client } = gatewayClient(harness, token ? { authorization: `Bearer ${token}` } : undefined);
  clients.push(client);
  return client;
}

/** Publishes a probe event until every subscription in `live` has received one (joins are asynchronous). */
async function untilAllReceive(live: Recorded[], timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (live.some((subscription) => subscription.results.length === 0)) {
    if (Date.now() > deadline) {
      const ended = new Map<Recorded, unknown>();
      for (const subscription of live) void subscription.ended.then((end) => ended.set(subscription, end));
      await new Promise((resolve) => setTimeout(resolve, 10));
      const states = live.map((subscription) =>
        ended.has(subscription) ? `ended ${JSON.stringify(ended.get(subscription))}` : 'live',
      );
      throw new Error(
        `not every subscription received an event: ${live.map((subscription, index) => `${subscription.results.length} ${states[index]}`).join(', ')}`,
      );
    }
    harness.stream.publish({ id: `probe-${randomUUID()}`, action: 'probe', actorId: null });
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('shared subscriptions', () => {
  it('opens one upstream subscription and one entity fetch per event for N identical subscriptions', async () => {
    await harness.setPermissions('u1', ['audit.log.read', 'identity.user.read']);
    const token = harness.mintToken('u1');
    const live: Recorded[] = [];
    for (let index = 0; index < 5; index += 1) {
      const client = connect(token);
      live.push(record(client, AUDIT_EVENTS));
    }
    // A second connection of the same user with its own token and session shares too.
    live.push(record(connect(harness.mintToken('u1', 60_000, 'another-session')), AUDIT_EVENTS));
    await untilAllReceive(live);
    expect(harness.stream.size).toBe(1);
    // Operators see it on the gateway's metrics: six client subscriptions, one upstream.
    const metrics = await (await fetch(harness.metricsUrl)).text();
    expect(metrics).toMatch(/^gateway_subscription_upstreams(\{[^}]*\})? 1$/m);
    expect(metrics).toMatch(/^graphql_subscriptions_active(\{[^}]*\})? 6$/m);

    for (const subscription of live) subscription.results.length = 0;
    const fetchesBefore = harness.identityCallers.length;
    harness.stream.publish({ id: 's1', action: 'user.login', actorId: 'u2' });
    await waitFor(() => live.every((subscription) => subscription.results.length === 1));
    for (const subscription of live) {
      expect(subscription.results).toEqual([
        {
          data: {
            auditEvents: { id: 's1', action: 'user.login', actor: { id: 'u2', name: 'Bob', email: 'bob@example.com' } },
          },
        },
      ]);
    }
    // One entity fetch for the event, not one per client.
    expect(harness.identityCallers.length - fetchesBefore).toBe(1);

    // The upstream subscription stays open while any client is left, and closes with the last.
    for (const subscription of live.slice(0, -1)) subscription.unsubscribe();
    harness.stream.publish({ id: 's2', action: 'user.login', actorId: null });
    await waitFor(() => live.at(-1)!.results.length === 2);
    expect(harness.stream.size).toBe(1);
    live.at(-1)!.unsubscribe();
    await waitFor(() => harness.stream.size === 0);
  });

  it('does not share between different variables, operations or callers', async () => {
    await harness.setPermissions('u1', ['audit.log.read', 'identity.user.read']);
    await harness.setPermissions('u2', ['audit.log.read', 'identity.user.read']);
    const variables = 'subscription ($action: String) { auditEvents(action: $action) { id } }';
    const live = [
      record(connect(harness.mintToken('u1')), variables, { action: 'probe' }),
      record(connect(harness.mintToken('u1')), variables, { action: 'other' }),
      record(connect(harness.mintToken('u1')), AUDIT_EVENTS),
      // Same permissions, another user: subgraphs may answer each user differently (their own data).
      record(connect(harness.mintToken('u2')), AUDIT_EVENTS),
    ];
    await waitFor(() => harness.stream.size === 4);
    for (const subscription of live) subscription.unsubscribe();
  });

  it('ends the subscription of a client whose session is revoked while the others of its group keep receiving', async () => {
    const userId = randomUUID();
    await harness.setPermissions(userId, ['audit.log.read', 'identity.user.read']);
    const revokedSession = randomUUID();
    const kept = record(connect(harness.mintToken(userId, 60_000, randomUUID())), AUDIT_EVENTS);
    const revoked = record(connect(harness.mintToken(userId, 60_000, revokedSession)), AUDIT_EVENTS);
    await untilAllReceive([kept, revoked]);
    expect(harness.stream.size).toBe(1);

    await harness.revokeSession(userId, revokedSession);
    // The revocation reaches the gateway through its event bus: events until the revoked client's ends.
    let publishing = true;
    void revoked.ended.then(() => (publishing = false));
    while (publishing) {
      harness.stream.publish({ id: `after-${randomUUID()}`, action: 'user.login', actorId: null });
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const ended = await revoked.ended;
    expect(ended).toEqual([
      {
        message:
          'Subscription ended: the session has ended (signed out, password changed or account deleted); sign in again',
        extensions: { code: 'UNAUTHENTICATED' },
      },
    ]);
    harness.stream.publish({ id: 'still', action: 'user.login', actorId: null });
    await waitFor(() => kept.results.some((result) => JSON.stringify(result).includes('"still"')));
    expect(harness.stream.size).toBe(1);
    kept.unsubscribe();
  });

  it('ends the subscriptions of a caller whose permission is revoked while another caller keeps receiving', async () => {
    await harness.setPermissions('u1', ['audit.log.read', 'identity.user.read']);
    await harness.setPermissions('u2', ['audit.log.read', 'identity.user.read']);
    const revoked = [
      record(connect(harness.mintToken('u1')), AUDIT_EVENTS),
      record(connect(harness.mintToken('u1')), AUDIT_EVENTS),
    ];
    const kept = record(connect(harness.mintToken('u2')), AUDIT_EVENTS);
    await untilAllReceive([...revoked, kept]);
    expect(harness.stream.size).toBe(2);

    await harness.setPermissions('u1', ['identity.user.read']);
    const before = kept.results.length;
    harness.stream.publish({ id: 'p1', action: 'user.login', actorId: 'u1' });
    for (const subscription of revoked) {
      expect(await subscription.ended).toEqual([
        {
          message: 'Subscription ended: the caller is no longer authorized for Subscription.auditEvents',
          extensions: { code: 'UNAUTHORIZED_FIELD_OR_TYPE' },
        },
      ]);
    }
    await waitFor(() => kept.results.length === before + 1);
    expect(kept.results.at(-1)).toEqual({
      data: {
        auditEvents: { id: 'p1', action: 'user.login', actor: { id: 'u1', name: 'Alice', email: 'alice@example.com' } },
      },
    });
    await waitFor(() => harness.stream.size === 1);
    kept.unsubscribe();
  });

  it('shares one upstream subscription among anonymous clients of a public feed', async () => {
    const first = record(connect(), 'subscription { publicTicks }');
    await waitFor(() => first.results.length >= 3);
    // A client that joins later gets the shared feed where it is, not a feed of its own from tick 1.
    const second = record(connect(), 'subscription { publicTicks }');
    await waitFor(() => second.results.length >= 2);
    const [joinedAt] = second.results as { data: { publicTicks: number } }[];
    expect(joinedAt!.data.publicTicks).toBeGreaterThan(3);
    expect(first.results).toContainEqual(second.results[0]);
    first.unsubscribe();
    second.unsubscribe();
  });
});
