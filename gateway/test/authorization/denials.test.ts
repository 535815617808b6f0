/**
 * One authorization path: a denial is reported the same way whether the operation came over
 * HTTP or over graphql-ws: counted in `gateway_authorization_denials_total`, announced to
 * `onDenied` (the audit event) with the same fields, the operation named by the hash of its text.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatewayClient, record, startHarness, type Harness } from '../subscriptions/harness.js';

let harness: Harness;

beforeAll(async () => {
  harness = await startHarness();
  await harness.setPermissions('u2', []);
});

afterAll(async () => {
  await harness?.stop();
});

/** The counter's value for these labels (0 before its first increment). */
async function deniedCount(labels: Record<string, string>): Promise<number> {
  const text = await (await fetch(harness.metricsUrl)).text();
  for (const line of text.split('\n')) {
    const match = /^gateway_authorization_denials_total\{([^}]*)\} (\d+)$/.exec(line);
    if (!match) continue;
    const found = new Map([...match[1]!.matchAll(/(\w+)="([^"]*)"/g)].map((label) => [label[1], label[2]]));
    if (Object.entries(labels).every(([name, value]) => found.get(name) === value)) return Number(match[2]);
  }
  return 0;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe('authorization denials over HTTP and WebSocket', () => {
  it('counts a denied query and a denied subscription in the same metric, by operation type', async () => {
    const queriesBefore = await deniedCount({ mode: 'filter', operation_type: 'query' });
    const subscriptionsBefore = await deniedCount({ mode: 'filter', operation_type: 'subscription' });

    const response = await fetch(`${harness.gatewayUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${harness.mintToken('u2')}` },
      body: JSON.stringify({ query: '{ user(id: "u1") { name email } }' }),
    });
    const body = (await response.json()) as { errors?: { extensions?: { code?: string } }[] };
    expect(body.errors?.map((error) => error.extensions?.code)).toEqual(['UNAUTHORIZED_FIELD_OR_TYPE']);

    const { client } = gatewayClient(harness, { authorization: `Bearer ${harness.mintToken('u2')}` });
    const denied = await record(client, 'subscription { auditEvents { id } }').ended;
    expect(denied).toEqual([expect.objectContaining({ extensions: { code: 'UNAUTHORIZED_FIELD_OR_TYPE' } })]);
    await client.dispose();

    expect(await deniedCount({ mode: 'filter', operation_type: 'query' })).toBe(queriesBefore + 1);
    expect(await deniedCount({ mode: 'filter', operation_type: 'subscription' })).toBe(subscriptionsBefore + 1);
  });

  it('announces both denials with the same fields, naming each operation by the hash of its text', async () => {
    const query = 'query Someone { user(id: "u1") { email } }';
    const subscription = 'subscription Watch{auditEvents{id}}';
    const headers = { 'content-type': 'application/json', 'user-agent': 'denials-test' };
    await fetch(`${harness.gatewayUrl}/graphql`, {
      method: 'POST',
      headers: { ...headers, authorization: `Bearer ${harness.mintToken('u2')}` },
      body: JSON.stringify({ query }),
    });
    const { client } = gatewayClient(harness, { accessToken: harness.mintToken('u2') });
    await record(client, subscription).ended;
    await client.dispose();

    const denialOf = (operationName: string) =>
      harness.denials.find((denial) => denial.operationName === operationName);
    // What the two denials share (one caller, one mode); the rest names each operation and client.
    const alike = { requestId: expect.any(String) as string, userId: 'u2', mode: 'filter' };
    expect(denialOf('Someone')).toEqual({
      ...alike,
      operationName: 'Someone',
      operationType: 'query',
      operationHash: sha256(query),
      client: { ip: expect.any(String) as string, userAgent: 'denials-test' },
      removed: [{ path: ['user', 'email'], coordinate: 'User.email' }],
    });
    expect(denialOf('Watch')).toEqual({
      ...alike,
      operationName: 'Watch',
      operationType: 'subscription',
      operationHash: sha256(subscription),
      client: { ip: expect.any(String) as string, userAgent: null },
      removed: [{ path: ['auditEvents'], coordinate: 'Subscription.auditEvents' }],
    });
  });
});
