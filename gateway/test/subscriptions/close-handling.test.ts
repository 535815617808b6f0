/**
 * How graphql-ws sockets close, the same on the gateway and on a subgraph (the kit's
 * `serveGraphQLWebSocket` serves both): 4403 for a refused `connection_init`, 4500 without
 * internals in the reason when a hook fails unexpectedly (the message only in development),
 * and 1001 Going away when the server stops.
 */
import {
  createGatewayProofSigner,
  createGatewayProofVerifier,
  createLogger,
  createMetrics,
  createSubgraphServer,
  generateGatewayKeys,
  WebSocketCloseCode,
  type GatewayKeys,
  type SubgraphServer,
} from '@platform/service-kit';
import { parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startHarness, type Harness } from './harness.js';

interface Closed {
  code: number;
  reason: string;
}

/** Opens a raw graphql-transport-ws socket, sends `connection_init` with `payload`, and resolves how it closed. */
function connectionInit(url: string, payload: Record<string, unknown>, subscribe?: string): Promise<Closed> {
  const socket = new WebSocket(url, 'graphql-transport-ws');
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.once('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload })));
    socket.on('message', (data: Buffer) => {
      const message = JSON.parse(data.toString()) as { type: string };
      if (message.type === 'connection_ack' && subscribe) {
        socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: subscribe } }));
      }
    });
    socket.once('close', (code: number, reason: Buffer) => resolve({ code, reason: reason.toString() }));
  });
}

/** Opens a socket that the server acknowledges; `closed` resolves how it closed later. */
async function acknowledgedSocket(url: string, payload: Record<string, unknown>): Promise<{ closed: Promise<Closed> }> {
  const socket = new WebSocket(url, 'graphql-transport-ws');
  const closed = new Promise<Closed>((resolve) =>
    socket.once('close', (code: number, reason: Buffer) => resolve({ code, reason: reason.toString() })),
  );
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.once('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload })));
    socket.on('message', (data: Buffer) => {
      if ((JSON.parse(data.toString()) as { type: string }).type === 'connection_ack') resolve();
    });
  });
  return { closed };
}

const typeDefs = parse(/* GraphQL */ `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key"])

  type Query {
    hello: String
  }

  type Subscription {
    ticks: Int
  }
`);

function tickerSubgraph(keys: GatewayKeys, exposeInternals: boolean): SubgraphServer {
  return createSubgraphServer({
    name: 'ticker',
    typeDefs,
    resolvers: {
      Query: { hello: () => 'hello' },
      Subscription: {
        ticks: {
          subscribe: async function* () {
            yield { ticks: 1 };
          },
        },
      },
    },
    logger: createLogger({ service: 'ticker', level: 'silent' }),
    metrics: createMetrics('ticker'),
    proofVerifier: createGatewayProofVerifier({ jwks: keys.publicJwks, audience: 'ticker' }),
    exposeInternals,
    // The database behind the context is down, and its error names a secret.
    createContext: () => {
      throw new Error('could not connect: password hunter2 rejected');
    },
    readinessChecks: {},
    subscriptions: true,
  });
}

describe('closing graphql-ws sockets on the gateway', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness();
  });
  afterAll(async () => {
    await harness?.stop();
  });

  it('closes with 4403 Forbidden on a connection_init without a valid token', async () => {
    expect(await connectionInit(harness.wsUrl, { authorization: 'Bearer not-a-token' })).toEqual({
      code: WebSocketCloseCode.Forbidden,
      reason: 'Forbidden',
    });
  });

  it('closes with 4500 and no internals in the reason when checking the token fails unexpectedly', async () => {
    const token = harness.mintBrokenToken('JWKS cache corrupted at /var/secret/keys.json');
    expect(await connectionInit(harness.wsUrl, { accessToken: token })).toEqual({
      code: WebSocketCloseCode.InternalServerError,
      reason: 'Internal server error',
    });
  });

  it('closes every socket with 1001 Going away when it stops', async () => {
    const stopping = await startHarness();
    const { closed } = await acknowledgedSocket(stopping.wsUrl, { accessToken: stopping.mintToken('u1') });
    await stopping.stop();
    expect(await closed).toEqual({ code: WebSocketCloseCode.GoingAway, reason: 'Going away' });
  });
});

describe('closing graphql-ws sockets on a subgraph', () => {
  let keys: GatewayKeys;
  const servers: SubgraphServer[] = [];
  beforeAll(async () => {
    keys = await generateGatewayKeys();
  });
  afterAll(async () => {
    for (const server of servers) await server.stop();
  });

  async function start(exposeInternals: boolean) {
    const server = tickerSubgraph(keys, exposeInternals);
    servers.push(server);
    const running = await server.start(0);
    const proof = await createGatewayProofSigner({ privateJwk: keys.privateJwk }).sign('ticker', {
      userId: 'u1',
      sessionId: null,
      permissions: [],
    });
    return { server, url: `${running.url.replace('http://', 'ws://')}/graphql`, proof };
  }

  it('closes with 4500 and no internals in the reason outside development', async () => {
    const { url, proof } = await start(false);
    expect(await connectionInit(url, { gatewayProof: proof }, 'subscription { ticks }')).toEqual({
      code: WebSocketCloseCode.InternalServerError,
      reason: 'Internal server error',
    });
  });

  it('names the failure in the close reason in development', async () => {
    const { url, proof } = await start(true);
    expect(await connectionInit(url, { gatewayProof: proof }, 'subscription { ticks }')).toEqual({
      code: WebSocketCloseCode.InternalServerError,
      reason: 'could not connect: password hunter2 rejected',
    });
  });

  it('closes every socket with 1001 Going away when it stops', async () => {
    const { server, url, proof } = await start(false);
    const { closed } = await acknowledgedSocket(url, { gatewayProof: proof });
    servers.splice(servers.indexOf(server), 1);
    await server.stop();
    expect(await closed).toEqual({ code: WebSocketCloseCode.GoingAway, reason: 'Going away' });
  });
});
