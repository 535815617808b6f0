/**
 * Subgraph subscriptions (graphql-ws): a tiny @apollo/subgraph schema with a Subscription,
 * served by the kit's subgraph server with `subscriptions: true`. Only the gateway may
 * connect: the gateway proof travels in `connection_init`.
 */
import { createClient, type Client } from 'graphql-ws';
import { parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { BaseContext } from '../src/context.js';
import {
  createGatewayProofSigner,
  createGatewayProofVerifier,
  generateGatewayKeys,
  type GatewayProofSigner,
} from '../src/gateway-proof.js';
import type { RunningHttpServer } from '../src/http.js';
import { createLogger } from '../src/logger.js';
import { createMetrics } from '../src/metrics.js';
import { createSubgraphServer, type SubgraphServer } from '../src/subgraph-server.js';

const typeDefs = parse(/* GraphQL */ `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key"])

  type Query {
    hello: String
  }

  type Subscription {
    ticks(count: Int!): Int!
    whoami: Caller!
    failing: Int
  }

  type Caller {
    userId: String
    permissions: [String!]!
    requestId: String!
  }
`);

const resolvers = {
  Query: { hello: () => 'hello' },
  Subscription: {
    ticks: {
      subscribe: async function* (_: unknown, { count }: { count: number }) {
        for (let tick = 1; tick <= count; tick += 1) yield { ticks: tick };
      },
    },
    whoami: {
      subscribe: async function* (_: unknown, __: unknown, context: BaseContext) {
        yield {
          whoami: {
            userId: context.caller.userId,
            permissions: context.caller.permissions,
            requestId: context.requestId,
          },
        };
      },
    },
    failing: {
      subscribe: async function* () {
        yield { failing: 1 };
        throw new Error('database password is hunter2');
      },
    },
  },
};

let server: SubgraphServer;
let running: RunningHttpServer;
let signer: GatewayProofSigner;
let wsUrl: string;
const clients: Client[] = [];

beforeAll(async () => {
  const keys = await generateGatewayKeys();
  signer = createGatewayProofSigner({ privateJwk: keys.privateJwk });
  server = createSubgraphServer({
    name: 'ticker',
    typeDefs,
    resolvers,
    logger: createLogger({ service: 'ticker', level: 'silent' }),
    metrics: createMetrics('ticker'),
    proofVerifier: createGatewayProofVerifier({ jwks: keys.publicJwks, audience: 'ticker' }),
    exposeInternals: false,
    createContext: (base) => base,
    readinessChecks: {},
    subscriptions: true,
  });
  running = await server.start(0);
  wsUrl = `${running.url.replace('http://', 'ws://')}/graphql`;
});

afterAll(async () => {
  await Promise.all(clients.map(async (client) => client.dispose()));
  await server.stop();
});

function connect(connectionParams: Record<string, unknown> | undefined): {
  client: Client;
  closed: Promise<{ code: number; reason: string }>;
} {
  let onClosed: (event: { code: number; reason: string }) => void = () => {};
  const closed = new Promise<{ code: number; reason: string }>((resolve) => (onClosed = resolve));
  const client = createClient({
    url: wsUrl,
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    lazy: true,
    ...(connectionParams ? { connectionParams } : {}),
    on: { closed: (event) => onClosed(event as { code: number; reason: string }) },
  });
  clients.push(client);
  return { client, closed };
}

async function collect(client: Client, query: string): Promise<unknown[]> {
  const results: unknown[] = [];
  for await (const result of client.iterate({ query })) results.push(result);
  return results;
}

describe('subgraph subscriptions over graphql-ws', () => {
  it('serves a subscription to the gateway, with the proven caller in the context', async () => {
    const caller = { userId: 'u1', sessionId: 's1', permissions: ['audit.log.read'] };
    const { client } = connect({ gatewayProof: await signer.sign('ticker', caller), requestId: 'req-123' });
    expect(await collect(client, 'subscription { ticks(count: 3) }')).toEqual([
      { data: { ticks: 1 } },
      { data: { ticks: 2 } },
      { data: { ticks: 3 } },
    ]);
    expect(await collect(client, 'subscription { whoami { userId permissions requestId } }')).toEqual([
      { data: { whoami: { userId: 'u1', permissions: ['audit.log.read'], requestId: 'req-123' } } },
    ]);
  });

  it('closes with 4403 without a gateway proof', async () => {
    const { client, closed } = connect(undefined);
    await expect(collect(client, 'subscription { ticks(count: 1) }')).rejects.toMatchObject({ code: 4403 });
    expect((await closed).code).toBe(4403);
  });

  it('closes with 4403 on a proof for another subgraph, or a forged one', async () => {
    const other = connect({
      gatewayProof: await signer.sign('identity', { userId: 'u1', sessionId: null, permissions: [] }),
    });
    await expect(collect(other.client, 'subscription { ticks(count: 1) }')).rejects.toMatchObject({ code: 4403 });
    const forgedKeys = await generateGatewayKeys();
    const forged = await createGatewayProofSigner({ privateJwk: forgedKeys.privateJwk }).sign('ticker', {
      userId: 'admin',
      sessionId: null,
      permissions: [],
    });
    const attacker = connect({ gatewayProof: forged });
    await expect(collect(attacker.client, 'subscription { ticks(count: 1) }')).rejects.toMatchObject({ code: 4403 });
  });

  it('masks unexpected errors as over HTTP', async () => {
    const { client } = connect({
      gatewayProof: await signer.sign('ticker', { userId: null, sessionId: null, permissions: [] }),
    });
    const results: unknown[] = [];
    let failure: unknown;
    try {
      for await (const result of client.iterate({ query: 'subscription { failing }' })) results.push(result);
    } catch (error) {
      failure = error;
    }
    expect(results).toEqual([{ data: { failing: 1 } }]);
    expect(JSON.stringify(failure)).not.toContain('hunter2');
    expect(failure).toEqual([expect.objectContaining({ message: 'Internal server error' })]);
  });

  it('still answers GraphQL over HTTP (with a proof) next to WebSocket', async () => {
    const response = await fetch(`${running.url}/graphql`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-gateway-proof': await signer.sign('ticker', { userId: null, sessionId: null, permissions: [] }),
      },
      body: JSON.stringify({ query: '{ hello }' }),
    });
    expect(await response.json()).toEqual({ data: { hello: 'hello' } });
  });
});
