/**
 * The cost limit and the rate limits on graphql-ws, as on HTTP: a subscription costing more
 * than MAX_OPERATION_COST is refused with `OPERATION_LIMIT_EXCEEDED` (limit `cost`) before it is
 * authorized or planned, and each subscription counts as one request against its user's budget.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatewayClient, record, startHarness, waitFor, type Harness } from './harness.js';

const PER_USER = 3;

let harness: Harness;
beforeAll(async () => {
  // `auditEvents { id actor { id } }` costs 2 (two objects), `heartbeat` (a scalar) 0.
  harness = await startHarness({ config: { MAX_OPERATION_COST: '1', RATE_LIMIT_PER_USER: String(PER_USER) } });
});
afterAll(async () => {
  await harness?.stop();
});

describe('graphql-ws at the edge', () => {
  it('refuses a subscription over the cost limit, and serves one within it', async () => {
    const { client } = gatewayClient(harness, { accessToken: harness.mintToken('cost-user') });
    const refused = record(client, 'subscription { auditEvents { id actor { id } } }');
    expect(await refused.ended).toEqual([
      expect.objectContaining({ extensions: { code: 'OPERATION_LIMIT_EXCEEDED', limit: 'cost' } }),
    ]);
    const served = record(client, 'subscription { heartbeat }');
    await waitFor(() => served.results.length > 0);
    served.unsubscribe();
    await client.dispose();
  });

  it("counts each subscription against its user's rate limit", async () => {
    const { client } = gatewayClient(harness, { accessToken: harness.mintToken('busy-user') });
    for (let i = 0; i < PER_USER; i++) {
      const served = record(client, 'subscription { heartbeat }');
      await waitFor(() => served.results.length > 0);
      served.unsubscribe();
    }
    const refused = record(client, 'subscription { heartbeat }');
    const [error] = (await refused.ended) as { extensions?: { code?: string; retryAfter?: unknown } }[];
    expect(error?.extensions?.code).toBe('RATE_LIMITED');
    expect(error?.extensions?.retryAfter).toBeGreaterThan(0);
    await client.dispose();
  });
});
