/**
 * The gateway benchmark's workload is the standard one: the four benchmark subgraphs
 * compose into the reference supergraph, and the stock gateway answers TestQuery over them
 * with exactly the expected response (the one every benchmarked gateway must return).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadGatewayConfig } from '@platform/gateway/config';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '@platform/service-kit';
import { startBenchIdentity } from '../gateway/identity.js';
import { startHiveGateway } from '../gateway/gateways/hive.js';
import { rustPlanner } from '../gateway/gateways/hive-rust.js';
import { oursEnvironment, startOurGateway } from '../gateway/gateways/ours.js';
import { startStockGateway } from '../gateway/gateways/stock.js';
import type { RunningGateway } from '../gateway/gateways/cluster.js';
import { firstDifference, loadWorkload, postGraphQL, type Workload } from '../gateway/workload.js';
import { composeBenchSupergraph, supergraphDifferences } from '../subgraphs/compose.js';
import { startBenchSubgraphs } from '../subgraphs/start.js';
import type { BenchSubgraphName } from '../subgraphs/subgraphs.js';

let workload: Workload;
let subgraphs: Awaited<ReturnType<typeof startBenchSubgraphs>>;
let gateway: RunningGateway;

async function servedCounts(): Promise<Record<string, number>> {
  const entries = await Promise.all(
    Object.entries(subgraphs.urls).map(async ([name, url]) => {
      const response = await fetch(new URL('/stats', url));
      return [name, ((await response.json()) as { served: number }).served] as const;
    }),
  );
  return Object.fromEntries(entries);
}

beforeAll(async () => {
  workload = await loadWorkload();
  subgraphs = await startBenchSubgraphs();
  gateway = await startStockGateway(composeBenchSupergraph(subgraphs.urls), 0);
});

afterAll(async () => {
  await gateway?.stop();
  await subgraphs?.stop();
});

describe('the gateway benchmark workload', () => {
  it('composes the benchmark subgraphs into the reference supergraph', () => {
    const supergraph = composeBenchSupergraph(subgraphs.urls);
    expect(supergraphDifferences(supergraph, workload.referenceSupergraph)).toEqual([]);
  });

  it('notices a supergraph that differs from the reference one', () => {
    const changed = workload.referenceSupergraph.replace('inStock: Boolean', 'inStock: Int');
    expect(supergraphDifferences(changed, workload.referenceSupergraph)).toEqual([
      '-   Product.inStock(): Boolean @join__field(graph: INVENTORY)',
      '+   Product.inStock(): Int @join__field(graph: INVENTORY)',
    ]);
  });

  it('answers TestQuery through the stock gateway with exactly the expected response', async () => {
    const response = await postGraphQL(gateway.url, workload.testQueryBody);
    expect(response.status).toBe(200);
    expect(firstDifference(response.json, workload.expectedResponse)).toBeNull();
    expect(response.json).toEqual(workload.expectedResponse);
  });

  it('carries price and weight to inventory for shippingEstimate (@requires)', () => {
    const topProducts = (workload.expectedResponse as { data: { topProducts: Record<string, unknown>[] } }).data
      .topProducts;
    expect(
      topProducts.map(({ upc, price, weight, shippingEstimate }) => ({ upc, price, weight, shippingEstimate })),
    ).toEqual([
      { upc: '1', price: 899, weight: 100, shippingEstimate: 50 },
      { upc: '2', price: 1299, weight: 1000, shippingEstimate: 0 },
      { upc: '3', price: 15, weight: 20, shippingEstimate: 10 },
      { upc: '4', price: 499, weight: 100, shippingEstimate: 50 },
      { upc: '5', price: 1299, weight: 1000, shippingEstimate: 0 },
    ]);
  });

  it('routes the single-subgraph query to products alone, in one fetch', async () => {
    const before = await servedCounts();
    const response = await postGraphQL(gateway.url, workload.singleSubgraphBody);
    const after = await servedCounts();
    const direct = await postGraphQL(subgraphs.urls.products, workload.singleSubgraphBody);
    expect(response.json).toEqual(direct.json);
    const fetches = Object.fromEntries(Object.keys(after).map((name) => [name, after[name]! - before[name]!]));
    expect(fetches).toEqual({ accounts: 0, inventory: 0, products: 1, reviews: 0 } satisfies Record<
      BenchSubgraphName,
      number
    >);
  });

  it('gives our gateway a complete production configuration', async () => {
    const environment = await oursEnvironment({
      port: 4000,
      host: '127.0.0.1',
      workers: 1,
      supergraphPath: '.bench/gateway/supergraph.graphql',
    });
    const config = loadGatewayConfig(environment);
    expect(config.NODE_ENV).toBe('production');
    expect(config.ENABLE_SANDBOX).toBe(false);
  });

  it('says where a response differs from the expected one', () => {
    const expected = { data: { users: [{ id: '1', name: 'Uri' }] } };
    expect(firstDifference({ data: { users: [{ id: '1', name: 'Uri' }] } }, expected)).toBeNull();
    expect(firstDifference({ data: { users: [{ id: '1', name: null }] } }, expected)).toBe(
      '$.data.users[0].name: null, expected "Uri"',
    );
    expect(firstDifference({ errors: [{ message: 'boom' }], data: null }, expected)).toBe(
      '$.errors: unexpected [{"message":"boom"}]',
    );
  });

  it('answers TestQuery through Hive Gateway with the Rust query planner (hive-rust) with exactly the expected response', async () => {
    const supergraphPath = path.join(tmpdir(), `bench-supergraph-${process.pid}.graphql`);
    await writeFile(supergraphPath, composeBenchSupergraph(subgraphs.urls));
    const hiveRust = await startHiveGateway(supergraphPath, await freePort(), '127.0.0.1', {
      unifiedGraphHandler: rustPlanner,
    });
    try {
      const response = await postGraphQL(hiveRust.url, workload.testQueryBody);
      expect(firstDifference(response.json, workload.expectedResponse)).toBeNull();
    } finally {
      await hiveRust.stop();
    }
  });

  it('runs ours-auth with real tokens: each accepted (authz asked once per user), a forged one refused', async () => {
    const supergraphPath = path.join(tmpdir(), `bench-supergraph-auth-${process.pid}.graphql`);
    await writeFile(supergraphPath, composeBenchSupergraph(subgraphs.urls));
    const identity = await startBenchIdentity(2);
    const options = { port: await freePort(), host: '127.0.0.1', workers: 1, supergraphPath };
    const ours = await startOurGateway({ ...(await oursEnvironment(options)), ...identity.environment });
    try {
      for (const headers of identity.clientHeaders) {
        const response = await postGraphQL(ours.url, workload.testQueryBody, { headers });
        expect(firstDifference(response.json, workload.expectedResponse)).toBeNull();
      }
      expect(identity.permissionLookups()).toBe(2);
      const [header, payload] = identity.clientHeaders[0]!.authorization!.split('.');
      const forged = { authorization: `${header}.${payload}.${'A'.repeat(86)}` };
      expect((await postGraphQL(ours.url, workload.testQueryBody, { headers: forged })).status).toBe(401);
    } finally {
      await ours.stop();
      await identity.stop();
    }
  });

  it('answers TestQuery through ours with either executor exactly as expected, ours in fewer subgraph requests', async () => {
    const supergraphPath = path.join(tmpdir(), `bench-supergraph-executors-${process.pid}.graphql`);
    await writeFile(supergraphPath, composeBenchSupergraph(subgraphs.urls));
    const fetches: Record<string, number> = {};
    for (const executor of ['platform', 'apollo']) {
      const options = { port: await freePort(), host: '127.0.0.1', workers: 1, supergraphPath };
      const ours = await startOurGateway({ ...(await oursEnvironment(options)), QUERY_PLAN_EXECUTOR: executor });
      try {
        const before = await servedCounts();
        const response = await postGraphQL(ours.url, workload.testQueryBody);
        const after = await servedCounts();
        expect(JSON.stringify(response.json)).toBe(JSON.stringify(workload.expectedResponse));
        fetches[executor] = Object.keys(after).reduce((sum, name) => sum + after[name]! - before[name]!, 0);
      } finally {
        await ours.stop();
      }
    }
    // Apollo's 16 fetches; ours batches the entity fetches to one subgraph that are ready together.
    expect(fetches.apollo).toBe(16);
    expect(fetches.platform).toBeLessThan(16);
  });
});
