/**
 * A small federation for the executor tests: three real subgraphs (@apollo/subgraph over
 * node:http on free ports, each recording the requests it serves), composed with
 * @apollo/composition, behind two real gateways (`createGatewayServer`) that differ only in
 * `QUERY_PLAN_EXECUTOR`. The graph has what the executors must agree on: entities across
 * subgraphs, `@requires`, an interface and a union, a list of non-null entities, subgraph
 * errors, a null in a non-null field, and a mutation. A fourth subgraph, `labels`, runs from the
 * start but joins only the second supergraph (`replaceSupergraph`), taking `Product.name` over
 * from catalog; a subgraph's answers can be altered (`alter`) to send errors it would not.
 */
import { composeServices } from '@apollo/composition';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { createLogger, generateGatewayKeys } from '@platform/service-kit';
import { createInProcessTransport } from '@platform/service-kit/events';
import { execute, GraphQLError, parse, type DocumentNode } from 'graphql';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadGatewayConfig } from '../../src/config.js';
import { createGatewayServer, type GatewayServer } from '../../src/server.js';

interface Product {
  upc: string;
  name: string;
  price: number;
  weight: number;
}

const products: Product[] = [
  { upc: '1', name: 'Table', price: 899, weight: 100 },
  { upc: '2', name: 'Couch', price: 1299, weight: 1000 },
  { upc: '3', name: 'Chair', price: 54, weight: 50 },
  { upc: '4', name: 'Lamp', price: 15, weight: 20 },
];
const users = [
  { id: 'u1', name: 'Ada' },
  { id: 'u2', name: 'Grace' },
];
const reviews = [
  { id: 'r1', upc: '1', body: 'Love it', authorId: 'u1' },
  { id: 'r2', upc: '1', body: 'Too big', authorId: 'u2' },
  { id: 'r3', upc: '2', body: 'Comfy', authorId: 'u1' },
  { id: 'r4', upc: '3', body: 'Wobbly', authorId: 'u1' },
  { id: 'r5', upc: '4', body: 'Bright', authorId: 'u2' },
];

const federation = (imports: string) =>
  `extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: [${imports}])`;

const subgraphs = {
  catalog: {
    typeDefs: parse(/* GraphQL */ `
      ${federation('"@key"')}
      type Query {
        products: [Product!]!
        product(upc: String!): Product
        media: [Media!]!
        node(id: ID!): Node
        broken: String
      }
      type Mutation {
        rename(upc: String!, name: String!): Product
      }
      interface Node {
        id: ID!
      }
      type Product implements Node @key(fields: "upc") {
        id: ID!
        upc: String!
        name: String!
        price: Int
        weight: Int
      }
      type User @key(fields: "id") {
        id: ID!
        name: String
      }
      union Media = Book | Film
      type Book {
        title: String!
        pages: Int
      }
      type Film {
        title: String!
        minutes: Int
      }
    `),
    resolvers: {
      Query: {
        products: () => products,
        product: (_: unknown, { upc }: { upc: string }) => products.find((product) => product.upc === upc) ?? null,
        media: () => [
          { __typename: 'Book', title: 'Dune', pages: 412 },
          { __typename: 'Film', title: 'Alien', minutes: 117 },
        ],
        node: (_: unknown, { id }: { id: string }) => products.find((product) => `p${product.upc}` === id) ?? null,
        broken: () => {
          throw new GraphQLError('catalog is broken', { extensions: { code: 'CATALOG_BROKEN' } });
        },
      },
      Mutation: {
        rename: (_: unknown, { upc, name }: { upc: string; name: string }) => {
          const product = products.find((candidate) => candidate.upc === upc);
          if (product) product.name = name;
          return product ?? null;
        },
      },
      Node: { __resolveType: () => 'Product' },
      Media: { __resolveType: (media: { __typename: string }) => media.__typename },
      Product: {
        id: (product: Product) => `p${product.upc}`,
        __resolveReference: (reference: { upc: string }) => products.find((product) => product.upc === reference.upc),
      },
      User: {
        __resolveReference: (reference: { id: string }) => users.find((user) => user.id === reference.id) ?? null,
      },
    },
  },
  stock: {
    typeDefs: parse(/* GraphQL */ `
      ${federation('"@key", "@external", "@requires"')}
      type Product @key(fields: "upc") {
        upc: String!
        price: Int @external
        weight: Int @external
        shippingEstimate: Int @requires(fields: "price weight")
        inStock: Boolean
        stockCode: String!
        warehouse: Warehouse
      }
      type Warehouse {
        city: String!
        code: String
      }
    `),
    resolvers: {
      Product: {
        __resolveReference: (reference: Partial<Product> & { upc: string }) => reference,
        shippingEstimate: (product: Product) => (product.price > 1000 ? 0 : Math.round(product.weight / 2)),
        inStock: (product: Product) => product.upc !== '4',
        // Null for product 3: a null in a non-null field.
        stockCode: (product: Product) => (product.upc === '3' ? null : `S-${product.upc}`),
        warehouse: (product: Product) => ({ upc: product.upc }),
      },
      Warehouse: {
        city: () => 'Lyon',
        code: (warehouse: { upc: string }) => {
          if (warehouse.upc === '2') throw new GraphQLError('no code for this warehouse');
          return `W${warehouse.upc}`;
        },
      },
    },
  },
  reviews: {
    typeDefs: parse(/* GraphQL */ `
      ${federation('"@key"')}
      type Product @key(fields: "upc") {
        upc: String!
        reviews: [Review!]!
      }
      type Review {
        id: ID!
        body: String!
        author: User!
      }
      type User @key(fields: "id") {
        id: ID!
      }
    `),
    resolvers: {
      Product: {
        __resolveReference: (reference: { upc: string }) => reference,
        reviews: (product: { upc: string }) => reviews.filter((review) => review.upc === product.upc),
      },
      Review: { author: (review: { authorId: string }) => ({ id: review.authorId }) },
    },
  },
} as const;

/** Only in the second supergraph: labels the products, in place of catalog's names. */
const labels = {
  typeDefs: parse(/* GraphQL */ `
    ${federation('"@key", "@override"')}
    type Product @key(fields: "upc") {
      upc: String!
      name: String! @override(from: "catalog")
    }
  `),
  resolvers: {
    Product: {
      __resolveReference: (reference: { upc: string }) => {
        const product = products.find((candidate) => candidate.upc === reference.upc);
        return product ? { upc: product.upc, name: `${product.name} (labelled)` } : null;
      },
    },
  },
};

const allSubgraphs = { ...subgraphs, labels };

export type SubgraphName = keyof typeof allSubgraphs;

/** Rewrites a subgraph's answer before it is sent (`ExecutorFederation.alter`). */
type AnswerAlteration = (result: { data?: unknown; errors?: readonly unknown[] }) => unknown;

/** What a subgraph received: the body of each GraphQL request. */
export interface Received {
  query: string;
  variables?: Record<string, unknown>;
}

async function startSubgraph(
  name: SubgraphName,
  received: Received[],
  alterations: Partial<Record<SubgraphName, AnswerAlteration>>,
): Promise<{ url: string; server: Server }> {
  const schema = buildSubgraphSchema(allSubgraphs[name]);
  const documents = new Map<string, DocumentNode>();
  const server = createServer((req, res) => {
    let text = '';
    req.on('data', (chunk: Buffer) => (text += chunk.toString()));
    req.on('end', () => {
      const body = JSON.parse(text) as Received & { operationName?: string };
      received.push(body);
      let document = documents.get(body.query);
      if (!document) documents.set(body.query, (document = parse(body.query)));
      void Promise.resolve(
        execute({
          schema,
          document,
          variableValues: body.variables,
          ...(body.operationName ? { operationName: body.operationName } : {}),
        }),
      ).then((result) => {
        const alter = alterations[name];
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(alter ? alter(JSON.parse(JSON.stringify(result)) as typeof result) : result));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`, server };
}

export interface ExecutorFederation {
  /** The GraphQL endpoint of the gateway with each executor. */
  urls: { platform: string; apollo: string };
  /** Requests received by each subgraph since the last `clear`. */
  received: Record<SubgraphName, Received[]>;
  clear(): void;
  /** Makes `subgraph` rewrite its answers with `alteration` until called with null. */
  alter(subgraph: SubgraphName, alteration: AnswerAlteration | null): void;
  /**
   * Replaces the supergraph file with the composition that includes `labels`, as
   * `npm run compose` does (a rename), and resolves once both gateways reloaded it.
   */
  replaceSupergraph(): Promise<void>;
  stop(): Promise<void>;
}

export async function startExecutorFederation(): Promise<ExecutorFederation> {
  const received = { catalog: [], stock: [], reviews: [], labels: [] } as Record<SubgraphName, Received[]>;
  const alterations: Partial<Record<SubgraphName, AnswerAlteration>> = {};
  const names = Object.keys(allSubgraphs) as SubgraphName[];
  const running = await Promise.all(names.map((name) => startSubgraph(name, received[name], alterations)));
  const compose = (included: readonly SubgraphName[]) => {
    const composed = composeServices(
      included.map((name) => ({
        name,
        url: running[names.indexOf(name)]!.url,
        typeDefs: allSubgraphs[name].typeDefs,
      })),
    );
    if (composed.errors) throw new Error(composed.errors.map((error) => error.message).join('\n'));
    return composed.supergraphSdl;
  };
  const directory = await mkdtemp(path.join(tmpdir(), 'executor-'));
  const supergraphPath = path.join(directory, 'supergraph.graphql');
  await writeFile(supergraphPath, compose(Object.keys(subgraphs) as SubgraphName[]));
  const keys = await generateGatewayKeys('executor-test');
  const logger = createLogger({ service: 'executor-test', level: 'silent' });
  const gateways: GatewayServer[] = [];
  const urls = {} as ExecutorFederation['urls'];
  for (const executor of ['platform', 'apollo'] as const) {
    const gateway = createGatewayServer(
      loadGatewayConfig({
        // Development: errors keep their messages (and stack traces, which the tests drop).
        NODE_ENV: 'development',
        LOG_LEVEL: 'silent',
        SUPERGRAPH_PATH: supergraphPath,
        AUTH_JWKS_URL: 'http://127.0.0.1:9/.well-known/jwks.json',
        GATEWAY_SIGNING_KEY: JSON.stringify(keys.privateJwk),
        AUTHZ_INTERNAL_URL: 'http://127.0.0.1:9',
        AUTHZ_INTERNAL_CREDENTIAL: 'x'.repeat(32),
        INTERNAL_API_CREDENTIALS: `authz:${'y'.repeat(32)}`,
        INBOUND_DEDUPLICATION: 'off',
        SUBGRAPH_DEDUPLICATION: 'false',
        QUERY_PLAN_EXECUTOR: executor,
      }),
      { logger, eventTransport: createInProcessTransport({ logger }) },
    );
    gateways.push(gateway);
    urls[executor] = `${(await gateway.start(0)).url}/graphql`;
  }
  return {
    urls,
    received,
    clear: () => names.forEach((name) => (received[name].length = 0)),
    alter: (subgraph, alteration) => {
      if (alteration) alterations[subgraph] = alteration;
      else delete alterations[subgraph];
    },
    replaceSupergraph: async () => {
      const reloads = gateways.map((gateway) => gateway.supergraphReloads());
      await writeFile(`${supergraphPath}.tmp`, compose(names));
      await rename(`${supergraphPath}.tmp`, supergraphPath);
      const deadline = Date.now() + 10_000;
      while (gateways.some((gateway, index) => gateway.supergraphReloads() === reloads[index])) {
        if (Date.now() > deadline) throw new Error('the gateways did not reload the supergraph');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    stop: async () => {
      await Promise.all(gateways.map((gateway) => gateway.stop()));
      await Promise.all(
        running.map(({ server }) => new Promise((resolve) => server.close(resolve).closeAllConnections())),
      );
      await rm(directory, { recursive: true, force: true });
    },
  };
}

/** POSTs an operation; the status and the parsed body. */
export async function post(
  url: string,
  query: string,
  variables?: Record<string, unknown>,
): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, ...(variables ? { variables } : {}) }),
  });
  return { status: response.status, body: await response.json() };
}
