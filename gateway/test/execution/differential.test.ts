/**
 * The gateway's own query-plan executor answers exactly as @apollo/gateway's: the same
 * operations through both (`QUERY_PLAN_EXECUTOR=platform` and `apollo`), against the same real
 * subgraphs, give identical JSON. And it does it with fewer subgraph requests: entity fetches
 * to one subgraph that are ready together go as one request, and an entity is asked for once;
 * that request's errors still read as the separate requests' would.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { post, startExecutorFederation, type ExecutorFederation } from './harness.js';

let federation: ExecutorFederation;

beforeAll(async () => {
  federation = await startExecutorFederation();
});

afterAll(async () => {
  await federation?.stop();
});

const operations: { name: string; query: string; variables?: Record<string, unknown> }[] = [
  {
    name: 'entities across three subgraphs, @requires, nested lists',
    query: `query Catalog {
      products { upc name price shippingEstimate inStock reviews { id body author { id name } } }
    }`,
  },
  {
    name: 'aliases, named and inline fragments, __typename at every level',
    query: `query Aliased {
      __typename
      first: product(upc: "1") { ...Item label: name }
      second: product(upc: "2") { __typename ...Item ... on Product { cost: price } }
    }
    fragment Item on Product { upc kind: __typename shippingEstimate name }`,
  },
  {
    name: 'a query with nothing to fetch',
    query: `query Nothing { __typename }`,
  },
  {
    name: '@skip and @include from variables, and a defaulted variable',
    query: `query Conditional($withReviews: Boolean!, $skipPrice: Boolean = true) {
      products { name price @skip(if: $skipPrice) reviews @include(if: $withReviews) { body } }
    }`,
    variables: { withReviews: true },
  },
  {
    name: '@skip and @include the other way, and literal conditions',
    query: `query Conditional($withReviews: Boolean!, $skipPrice: Boolean = true) {
      products { name price @skip(if: $skipPrice) reviews @include(if: $withReviews) { body } upc @include(if: false) }
    }`,
    variables: { withReviews: false, skipPrice: false },
  },
  {
    name: 'a union and an interface',
    query: `query Abstract {
      media { __typename ... on Book { title pages } ... on Film { title minutes } }
      node(id: "p2") { id __typename ... on Product { upc inStock } }
      missing: node(id: "none") { id }
    }`,
  },
  {
    name: 'errors from a subgraph inside entities, mapped to the response paths',
    query: `query Warehouses { products { upc warehouse { city code } } }`,
  },
  {
    name: 'errors from a subgraph in two entity fetches sent as one batch',
    query: `query Batched {
      products { upc warehouse { code } }
      product(upc: "2") { warehouse { city code } }
      other: product(upc: "3") { stockCode }
    }`,
  },
  {
    name: 'a null in a non-null field of an entity',
    query: `query Codes { product(upc: "3") { upc stockCode } products { upc name } }`,
  },
  {
    name: 'a null in a non-null field inside a non-null list, bubbling to the root',
    query: `query AllCodes { products { upc stockCode } }`,
  },
  {
    name: 'a root field that fails',
    query: `query Broken { broken products { upc } }`,
  },
  {
    name: 'the same entity twice, through two paths',
    query: `query Twice {
      a: product(upc: "1") { reviews { author { name } } }
      b: product(upc: "1") { reviews { author { id name } } inStock }
    }`,
  },
  {
    name: 'a variable of the wrong type',
    query: `query Typed($upc: String!) { product(upc: $upc) { name } }`,
    variables: { upc: 7 },
  },
  {
    name: 'introspection (left to Apollo)',
    query: `query Introspect { __schema { queryType { name } } products { upc } }`,
  },
  {
    name: 'a mutation followed by entity fetches',
    query: `mutation Rename { rename(upc: "4", name: "Lamp") { upc name inStock reviews { body } } }`,
  },
];

/** Each request has its own id, which an internal error carries, and each executor its own stack traces. */
function withoutRequestIds(response: { status: number; body: unknown }) {
  const body = response.body as { errors?: { extensions?: Record<string, unknown> }[] };
  for (const error of body.errors ?? []) {
    delete error.extensions?.requestId;
    delete error.extensions?.stacktrace;
  }
  return response;
}

describe('the platform query-plan executor', () => {
  for (const operation of operations) {
    it(`answers as @apollo/gateway: ${operation.name}`, async () => {
      const [platform, apollo] = await Promise.all([
        post(federation.urls.platform, operation.query, operation.variables).then(withoutRequestIds),
        post(federation.urls.apollo, operation.query, operation.variables).then(withoutRequestIds),
      ]);
      expect(platform).toEqual(apollo);
      // Byte for byte, field order included.
      expect(JSON.stringify(platform.body)).toBe(JSON.stringify(apollo.body));
    });
  }

  it('sends sibling entity fetches to one subgraph as one request', async () => {
    const query = `query Siblings { products { inStock } product(upc: "2") { stockCode } }`;
    const counts: Record<string, number> = {};
    for (const executor of ['apollo', 'platform'] as const) {
      federation.clear();
      const { body } = await post(federation.urls[executor], query);
      expect(body).not.toHaveProperty('errors');
      counts[executor] = federation.received.stock.length;
    }
    expect(counts).toEqual({ apollo: 2, platform: 1 });
    expect(federation.received.stock[0]!.query).toContain('_0:_entities(representations:$representations0)');
  });

  describe('errors of entity fetches sent as one request', () => {
    // Two stock fetches, one batch: `products { inStock }` and product 2's warehouse code, which fails.
    const query = `query OneFails { products { upc inStock } product(upc: "2") { warehouse { code } } }`;

    /** Both executors' answers, and how many requests stock received from each. */
    const bothAnswers = async () => {
      const answers = [];
      for (const executor of ['platform', 'apollo'] as const) {
        federation.clear();
        const response = withoutRequestIds(await post(federation.urls[executor], query));
        answers.push({ ...response, stockRequests: federation.received.stock.length });
      }
      return answers as [(typeof answers)[number], (typeof answers)[number]];
    };
    /** Apollo's two requests answer in either order: errors compared as a set, data byte for byte. */
    const expectSameAnswers = (platform: { body: unknown }, apollo: { body: unknown }) => {
      const parts = ({ body }: { body: unknown }) => {
        const { errors, data } = body as { errors?: unknown[]; data?: unknown };
        return { errors: (errors ?? []).map((error) => JSON.stringify(error)).sort(), data: JSON.stringify(data) };
      };
      expect(parts(platform)).toEqual(parts(apollo));
    };

    afterEach(() => federation.alter('stock', null));

    it('reports an error under one fetch’s alias at that fetch’s entity path only', async () => {
      const [platform, apollo] = await bothAnswers();
      expect([platform.stockRequests, apollo.stockRequests]).toEqual([1, 2]);
      expect(platform.body).toMatchObject({
        errors: [{ message: 'no code for this warehouse', path: ['product', 'warehouse', 'code'] }],
      });
      expect((platform.body as { errors: unknown[] }).errors).toHaveLength(1);
      expectSameAnswers(platform, apollo);
    });

    it('reports an error without a path once per fetch, as Apollo gets it from each request', async () => {
      federation.alter('stock', (result) => ({
        ...result,
        errors: [...(result.errors ?? []), { message: 'stock is degraded', extensions: { code: 'DEGRADED' } }],
      }));
      const [platform, apollo] = await bothAnswers();
      expect([platform.stockRequests, apollo.stockRequests]).toEqual([1, 2]);
      const messages = (platform.body as { errors: { message: string }[] }).errors.map((error) => error.message);
      expect(messages.sort()).toEqual(['no code for this warehouse', 'stock is degraded', 'stock is degraded']);
      expectSameAnswers(platform, apollo);
    });

    it('fails every fetch of a request the subgraph refused, as Apollo’s refused requests', async () => {
      federation.alter('stock', () => ({
        errors: [{ message: 'stock refused the request', extensions: { code: 'REFUSED' } }],
      }));
      const [platform, apollo] = await bothAnswers();
      expect([platform.stockRequests, apollo.stockRequests]).toEqual([1, 2]);
      expect(platform.body).toMatchObject({
        errors: [{ message: 'stock refused the request' }, { message: 'stock refused the request' }],
        data: { product: { warehouse: null } },
      });
      expectSameAnswers(platform, apollo);
    });
  });

  it('sends each distinct representation once', async () => {
    // Five reviews by two authors: five representations of two users.
    const query = `query Authors { products { reviews { author { name } } } }`;
    const sent: Record<string, unknown[]> = {};
    for (const executor of ['apollo', 'platform'] as const) {
      federation.clear();
      await post(federation.urls[executor], query);
      const userFetch = federation.received.catalog.find((request) => request.query.includes('_entities'));
      sent[executor] = userFetch!.variables!.representations as unknown[];
    }
    expect(sent.apollo).toHaveLength(5);
    expect(sent.platform).toEqual([
      { __typename: 'User', id: 'u1' },
      { __typename: 'User', id: 'u2' },
    ]);
  });
});
