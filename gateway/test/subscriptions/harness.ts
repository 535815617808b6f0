/**
 * An in-process federation for subscription tests: two real subgraphs on free ports (the kit's
 * subgraph server with `subscriptions: true`): `audit` owns `Subscription.auditEvents`, whose
 * `actor` is a `User` entity that `identity` resolves. Composed with `@apollo/composition` into
 * a supergraph file, served by the real gateway (`createGatewayServer`) with a stub access-token
 * verifier and a stub authz answering `/internal/permissions/effective`.
 */
import { composeServices } from '@apollo/composition';
import {
  createFanOut,
  createGatewayProofVerifier,
  createHttpServer,
  createLogger,
  createMetrics,
  createSubgraphServer,
  generateGatewayKeys,
  listen,
  readJsonBody,
  requireUserId,
  sendJson,
  type BaseContext,
  type Caller,
  type SubgraphServer,
} from '@platform/service-kit';
import { createEvent, createInProcessTransport, NO_REQUEST } from '@platform/service-kit/events';
import { createClient, type Client } from 'graphql-ws';
import { parse } from 'graphql';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { InvalidAccessTokenError, type TokenIdentity } from '../../src/access-tokens.js';
import type { AuthorizationDenial } from '../../src/authorization-enforcement.js';
import { loadGatewayConfig } from '../../src/config.js';
import { createGatewayServer, type GatewayServer } from '../../src/server.js';

export const auditSdl = /* GraphQL */ `
  extend schema
    @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key", "@authenticated", "@requiresScopes"])

  type Query {
    auditHealth: String
  }

  type Subscription {
    auditEvents(action: String): AuditEvent! @requiresScopes(scopes: [["audit.log.read"]])
    heartbeat: Int! @authenticated
    "Public: what an anonymous connection may subscribe to."
    publicTicks: Int!
  }

  type AuditEvent {
    id: ID!
    action: String!
    actor: User
  }

  type User @key(fields: "id", resolvable: false) {
    id: ID!
  }
`;

export const identitySdl = /* GraphQL */ `
  extend schema
    @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key", "@authenticated", "@requiresScopes"])

  type Query {
    user(id: ID!): User
  }

  type User @key(fields: "id") {
    id: ID!
    name: String!
    email: String @requiresScopes(scopes: [["identity.user.read"]])
  }
`;

export interface AuditEventInput {
  id: string;
  action: string;
  actorId: string | null;
}

/**
 * The audit subgraph's in-process event stream, the kit's fan-out as the real feeds use: every
 * live subscriber gets every event it matches, in the trace it was published in.
 */
export class EventStream {
  private readonly fanOut = createFanOut<AuditEventInput>({
    overflowError: (bufferSize) => new Error(`a subscriber fell more than ${bufferSize} events behind`),
  });
  /** The callers the audit subgraph saw (from the gateway proof), one per subscription. */
  readonly callers: Caller[] = [];

  get size(): number {
    return this.fanOut.size;
  }

  publish(event: AuditEventInput): void {
    this.fanOut.publish(event);
  }

  subscribe(filter: (event: AuditEventInput) => boolean): AsyncIterableIterator<AuditEventInput> {
    return this.fanOut.subscribe(filter);
  }
}

export const users: Record<string, { id: string; name: string; email: string }> = {
  u1: { id: 'u1', name: 'Alice', email: 'alice@example.com' },
  u2: { id: 'u2', name: 'Bob', email: 'bob@example.com' },
};

export interface Harness {
  gatewayUrl: string;
  /** The gateway's `/metrics`, on its own port. */
  metricsUrl: string;
  wsUrl: string;
  stream: EventStream;
  /** Callers identity saw on entity fetches (from the gateway proof). */
  identityCallers: Caller[];
  /** Every authorization denial the gateway reported (`onDenied`), over HTTP and WebSocket. */
  denials: AuthorizationDenial[];
  /** Mints an access token for `userId` valid for `ttlMs`, of `sessionId`, that the stub verifier accepts. */
  mintToken(userId: string, ttlMs?: number, sessionId?: string): string;
  /** Publishes auth's session.revoked for `sessionId` (a UUID) where the gateway consumes it. */
  revokeSession(userId: string, sessionId: string): Promise<void>;
  /** A token whose verification fails unexpectedly with `message` (not as an invalid token). */
  mintBrokenToken(message: string): string;
  /** Sets what authz answers for `userId`, bumps the permissions version and tells the gateway. */
  setPermissions(userId: string, permissions: string[]): Promise<void>;
  stop(): Promise<void>;
}

const AUTHZ_CREDENTIAL = 'authz-credential-for-gateway-tests-0123456789';
const GATEWAY_INTERNAL_CREDENTIAL = 'gateway-internal-credential-for-tests-0123456789';

/** `config`: gateway variables on top of the harness's own (e.g. the `WS_*` limits). */
export async function startHarness(options: { config?: Record<string, string> } = {}): Promise<Harness> {
  const keys = await generateGatewayKeys();
  const logger = createLogger({ service: 'subscriptions-test', level: 'silent' });
  const stream = new EventStream();
  const identityCallers: Caller[] = [];

  const audit: SubgraphServer = createSubgraphServer({
    name: 'audit',
    typeDefs: parse(auditSdl),
    resolvers: {
      Subscription: {
        auditEvents: {
          subscribe: (_: unknown, args: { action?: string | null }, context: BaseContext) => {
            requireUserId(context);
            stream.callers.push(context.caller);
            return stream.subscribe((event) => !args.action || event.action === args.action);
          },
          resolve: (event: AuditEventInput) => ({
            id: event.id,
            action: event.action,
            actor: event.actorId ? { __typename: 'User', id: event.actorId } : null,
          }),
        },
        publicTicks: {
          subscribe: async function* () {
            for (let tick = 1; ; tick += 1) {
              yield { publicTicks: tick };
              await new Promise((resolve) => setTimeout(resolve, 50));
            }
          },
        },
        heartbeat: {
          subscribe: async function* () {
            for (let beat = 1; ; beat += 1) {
              yield { heartbeat: beat };
              await new Promise((resolve) => setTimeout(resolve, 50));
            }
          },
        },
      },
    },
    logger,
    metrics: createMetrics('audit'),
    proofVerifier: createGatewayProofVerifier({ jwks: keys.publicJwks, audience: 'audit' }),
    exposeInternals: false,
    createContext: (base) => base,
    readinessChecks: {},
    subscriptions: true,
  });
  const identity: SubgraphServer = createSubgraphServer({
    name: 'identity',
    typeDefs: parse(identitySdl),
    resolvers: {
      Query: { user: (_: unknown, { id }: { id: string }) => users[id] ?? null },
      User: {
        __resolveReference: ({ id }: { id: string }, context: BaseContext) => {
          identityCallers.push(context.caller);
          return users[id] ?? null;
        },
      },
    },
    logger,
    metrics: createMetrics('identity'),
    proofVerifier: createGatewayProofVerifier({ jwks: keys.publicJwks, audience: 'identity' }),
    exposeInternals: false,
    createContext: (base) => base,
    readinessChecks: {},
  });
  const auditRunning = await audit.start(0);
  const identityRunning = await identity.start(0);

  // authz: effective permissions by user, with a version bumped on every change.
  const granted = new Map<string, string[]>();
  let version = 1;
  const authz: Server = createHttpServer({
    logger,
    routes: [
      {
        method: 'POST',
        path: '/internal/permissions/effective',
        handler: async ({ req, res }) => {
          if (req.headers.authorization !== `Bearer ${AUTHZ_CREDENTIAL}`) return sendJson(res, 401, {});
          const { userId } = (await readJsonBody(req)) as { userId: string };
          sendJson(res, 200, { userId, permissions: granted.get(userId) ?? [], version });
        },
      },
    ],
  });
  const authzRunning = await listen(authz, 0);

  const directory = await mkdtemp(path.join(tmpdir(), 'gateway-subscriptions-'));
  const composed = composeServices([
    { name: 'audit', typeDefs: parse(auditSdl), url: 'http://audit.invalid/graphql' },
    { name: 'identity', typeDefs: parse(identitySdl), url: 'http://identity.invalid/graphql' },
  ]);
  if (composed.errors) throw new Error(composed.errors.map((error) => error.message).join('\n'));
  const supergraphPath = path.join(directory, 'supergraph.graphql');
  await writeFile(supergraphPath, composed.supergraphSdl);

  const tokens = new Map<string, TokenIdentity>();
  const broken = new Map<string, string>();
  const denials: AuthorizationDenial[] = [];
  // The gateway's event bus, on which auth's session.revoked events reach it.
  const events = createInProcessTransport({ logger });
  let minted = 0;
  const gateway: GatewayServer = createGatewayServer(
    loadGatewayConfig({
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      SUPERGRAPH_PATH: supergraphPath,
      SUBGRAPH_URLS: `audit=${auditRunning.url}/graphql,identity=${identityRunning.url}/graphql`,
      AUTH_JWKS_URL: 'http://127.0.0.1:9/.well-known/jwks.json',
      GATEWAY_SIGNING_KEY: JSON.stringify(keys.privateJwk),
      AUTHZ_INTERNAL_URL: authzRunning.url,
      AUTHZ_INTERNAL_CREDENTIAL: AUTHZ_CREDENTIAL,
      INTERNAL_API_CREDENTIALS: `authz:${GATEWAY_INTERNAL_CREDENTIAL}`,
      AUTHORIZATION_MODE: 'filter',
      // Generous: under load a client's connection_init can take seconds to arrive. The test of
      // the timeout itself sets a short one (protocol.test.ts).
      WS_CONNECTION_INIT_TIMEOUT_MS: '10000',
      METRICS_PORT: '0',
      ...options.config,
    }),
    {
      logger,
      accessTokens: {
        async verify(token) {
          const failure = broken.get(token);
          if (failure !== undefined) throw new Error(failure);
          const identity = tokens.get(token);
          if (!identity) throw new InvalidAccessTokenError('unknown token');
          if (identity.expiresAt <= Date.now()) throw new InvalidAccessTokenError('"exp" claim timestamp check failed');
          return identity;
        },
      },
      onDenied: (denial) => denials.push(denial),
      eventTransport: events,
    },
  );
  const gatewayRunning = await gateway.start(0);

  return {
    gatewayUrl: gatewayRunning.url,
    metricsUrl: gateway.metricsUrl()!,
    wsUrl: `${gatewayRunning.url.replace('http://', 'ws://')}/graphql`,
    stream,
    identityCallers,
    denials,
    mintToken(userId, ttlMs = 60_000, sessionId = `session-${userId}`) {
      minted += 1;
      const token = `token-${minted}-${userId}`;
      tokens.set(token, {
        userId,
        sessionId,
        authTime: Math.floor(Date.now() / 1000),
        expiresAt: Date.now() + ttlMs,
      });
      return token;
    },
    mintBrokenToken(message) {
      minted += 1;
      const token = `broken-${minted}`;
      broken.set(token, message);
      return token;
    },
    async revokeSession(userId, sessionId) {
      const event = createEvent({
        type: 'platform.auth.session.revoked.v1',
        subject: userId,
        data: {
          actorId: userId,
          target: { type: 'session', id: sessionId },
          context: NO_REQUEST,
          userId,
          sessionId,
          reason: 'logout',
        },
      });
      await events.publish([{ topic: 'platform.auth', key: userId, value: JSON.stringify(event) }]);
    },
    async setPermissions(userId, permissions) {
      granted.set(userId, permissions);
      version += 1;
      const response = await fetch(`${gatewayRunning.url}/internal/authz/invalidate`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${GATEWAY_INTERNAL_CREDENTIAL}` },
        body: JSON.stringify({ version }),
      });
      if (!response.ok) throw new Error(`invalidate failed: ${response.status}`);
    },
    async stop() {
      await gateway.stop();
      await events.close();
      await Promise.all([audit.stop(), identity.stop()]);
      await new Promise<void>((resolve) => authz.close(() => resolve()));
      await rm(directory, { recursive: true, force: true });
    },
  };
}

/** A graphql-ws client of the gateway, recording how its socket closed. */
export function gatewayClient(
  harness: Harness,
  connectionParams?: Record<string, unknown>,
): { client: Client; closed: Promise<{ code: number; reason: string }> } {
  let onClosed: (event: { code: number; reason: string }) => void = () => {};
  const closed = new Promise<{ code: number; reason: string }>((resolve) => (onClosed = resolve));
  const client = createClient({
    url: harness.wsUrl,
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    lazy: true,
    ...(connectionParams ? { connectionParams } : {}),
    on: { closed: (event) => onClosed(event as { code: number; reason: string }) },
  });
  return { client, closed };
}

/** Polls until `check` holds (or fails after `timeoutMs`). */
export async function waitFor(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for a condition');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A live subscription's results and its end, for assertions. */
export interface Recorded {
  results: unknown[];
  /** Resolves with the error the subscription ended with, or null when it completed. */
  ended: Promise<unknown>;
  unsubscribe: () => void;
}

export function record(client: Client, query: string, variables?: Record<string, unknown>): Recorded {
  const results: unknown[] = [];
  let unsubscribe: () => void = () => {};
  const ended = new Promise<unknown>((resolve) => {
    unsubscribe = client.subscribe(
      { query, ...(variables ? { variables } : {}) },
      {
        next: (result) => results.push(result),
        error: (error) => resolve(error),
        complete: () => resolve(null),
      },
    );
  });
  return { results, ended, unsubscribe };
}
