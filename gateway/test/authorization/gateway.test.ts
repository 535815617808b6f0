/**
 * The engine behind the stock `@apollo/gateway`, in-process: real subgraph schemas
 * (`@apollo/subgraph`), composed, stripped, loaded by `ApolloGateway`, executed through Apollo
 * Server, through the gateway server's own `AuthorizingGateway` and `AuthorizationEnforcer`.
 */
import { ApolloGateway, LocalGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { ApolloServer, type GraphQLResponse } from '@apollo/server';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { createLogger } from '@platform/service-kit';
import { parse } from 'graphql';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPolicyRegistry } from '../../src/authorization/policies.js';
import { readAuthorization } from '../../src/authorization/requirements.js';
import { AuthorizationEnforcer } from '../../src/authorization-enforcement.js';
import { AuthorizingGateway } from '../../src/authorizing-gateway.js';
import type { GatewayContext } from '../../src/context.js';
import { authSubgraph, compose, identitySubgraph } from './fixtures.js';

const alice = { __typename: 'User', id: 'u1', name: 'Alice', email: 'alice@example.com', phone: '555-0100' };
const deleted: string[] = [];
const subgraphQueries: string[] = [];

const identity = buildSubgraphSchema({
  typeDefs: parse(identitySubgraph),
  resolvers: {
    Query: {
      publicInfo: () => 'hello',
      me: () => alice,
      user: () => alice,
      users: () => [alice, { ...alice, id: 'u2', name: 'Bob' }],
      search: () => [alice, { __typename: 'Role', id: 'r1', name: 'admin' }],
      auditCount: () => 3,
      entries: () => [],
      posts: () => [],
    },
    Mutation: {
      deleteUser: (_: unknown, { id }: { id: string }) => {
        deleted.push(id);
        return true;
      },
      ping: () => 'pong',
    },
    User: {
      __resolveReference: () => alice,
      roles: () => [{ id: 'r1', name: 'admin' }],
    },
  },
});
const auth = buildSubgraphSchema({
  typeDefs: parse(authSubgraph),
  resolvers: {
    User: {
      __resolveReference: ({ id }: { id: string }) => ({
        id,
        sessions: [{ id: 's1', createdAt: '2025-01-01', ip: '10.0.0.1' }],
      }),
    },
  },
});

/** Records what each subgraph is asked: a removed field must never reach one. */
class RecordingDataSource extends LocalGraphQLDataSource {
  override process(options: GraphQLDataSourceProcessOptions) {
    subgraphQueries.push(options.request.query ?? '');
    return super.process(options);
  }
}

const { requirements, gatewaySupergraphSdl } = readAuthorization(
  compose({ identity: identitySubgraph, auth: authSubgraph }),
);
const silentLogger = { debug() {}, info() {}, warn() {}, error() {} };
const gateway = new ApolloGateway({
  supergraphSdl: gatewaySupergraphSdl,
  buildService: ({ name }) => new RecordingDataSource(name === 'auth' ? auth : identity),
  logger: silentLogger,
});
// The gateway server's own wrapper and enforcement, as it builds them.
const logger = createLogger({ service: 'authorization-test', level: 'silent' });
const enforcer = new AuthorizationEnforcer({
  requirements: () => requirements,
  mode: 'filter',
  policies: createPolicyRegistry(),
  logger,
  registry: new Registry(),
});
const server = new ApolloServer<GatewayContext>({
  gateway: new AuthorizingGateway({ inner: gateway, enforcer }),
  logger: silentLogger,
});

function contextOf(
  caller: { userId: string | null; permissions: string[] },
  authTime: number | null = null,
): GatewayContext {
  return {
    requestId: 'req-1',
    caller: { ...caller, sessionId: null },
    authTime,
    logger,
    client: { ip: null, userAgent: null },
  };
}
const anonymous = contextOf({ userId: null, permissions: [] });
const member = contextOf({ userId: 'u1', permissions: [] });
const recentAdmin = contextOf(
  { userId: 'u1', permissions: ['identity.user.read', 'auth.session.read'] },
  Math.floor(Date.now() / 1000) - 30,
);

async function send(query: string, context: GatewayContext, variables?: Record<string, unknown>) {
  subgraphQueries.length = 0;
  const response: GraphQLResponse = await server.executeOperation({ query, variables }, { contextValue: context });
  if (response.body.kind !== 'single') throw new Error('expected a single result');
  return JSON.parse(JSON.stringify(response.body.singleResult)) as { data?: unknown; errors?: unknown[] };
}

const unauthorized = (...path: (string | number)[]) => ({
  message: 'Unauthorized field or type',
  path,
  extensions: { code: 'UNAUTHORIZED_FIELD_OR_TYPE' },
});

beforeAll(async () => {
  await server.start();
});

afterAll(async () => {
  await server.stop();
});

describe('authorization behind the stock gateway', () => {
  it('serves a public operation untouched', async () => {
    expect(await send('{ publicInfo users { name } }', anonymous)).toEqual({
      data: { publicInfo: 'hello', users: [{ name: 'Alice' }, { name: 'Bob' }] },
    });
  });

  it('answers null and an error for each removed field, and never asks a subgraph for it', async () => {
    const response = await send('{ publicInfo me { name } u: user(id: "u1") { name mail: email } }', anonymous);
    expect(response).toEqual({
      data: { publicInfo: 'hello', me: null, u: { name: 'Alice', mail: null } },
      errors: [unauthorized('me'), unauthorized('u', 'mail')],
    });
    expect(subgraphQueries.join('\n')).not.toMatch(/email|\bme\b/);
  });

  it('propagates a removed non-null field to its nullable parent', async () => {
    // sessions is [Session!]!: the user cannot be shown without it.
    expect(await send('{ u: user(id: "u1") { name sessions { id } } }', anonymous)).toEqual({
      data: { u: null },
      errors: [unauthorized('u', 'sessions')],
    });
    expect(subgraphQueries.join('\n')).not.toMatch(/sessions/);
  });

  it('serves what a caller’s scopes allow, across subgraphs', async () => {
    expect(await send('{ user(id: "u1") { email phone sessions { ip createdAt } } }', recentAdmin)).toEqual({
      data: {
        user: {
          email: 'alice@example.com',
          phone: '555-0100',
          sessions: [{ ip: '10.0.0.1', createdAt: '2025-01-01' }],
        },
      },
    });
    expect(await send('{ user(id: "u1") { sessions { ip createdAt } } }', member)).toEqual({
      data: { user: { sessions: [{ ip: null, createdAt: '2025-01-01' }] } },
      errors: [unauthorized('user', 'sessions', '@', 'ip')],
    });
  });

  it('does not run a mutation whose policy fails', async () => {
    deleted.length = 0;
    expect(await send('mutation { deleteUser(id: "u2") ping }', member)).toEqual({
      data: { deleteUser: null, ping: 'pong' },
      errors: [unauthorized('deleteUser')],
    });
    expect(deleted).toEqual([]);
    expect(await send('mutation { deleteUser(id: "u2") }', recentAdmin)).toEqual({ data: { deleteUser: true } });
    expect(deleted).toEqual(['u2']);
  });

  it('refuses an operation with nothing authorized in it', async () => {
    expect(await send('{ me { name } }', anonymous)).toEqual({ data: null, errors: [unauthorized('me')] });
    expect(subgraphQueries).toEqual([]);
  });

  it('filters through union fragments and variables', async () => {
    const query = `query Find($full: Boolean!) {
      search(term: "a") { ... on User { name email @include(if: $full) } ... on Role { name } }
    }`;
    expect(await send(query, member, { full: true })).toEqual({
      data: { search: [{ name: 'Alice', email: null }, { name: 'admin' }] },
      errors: [unauthorized('search', '@', 'email')],
    });
    expect(await send(query, member, { full: false })).toEqual({
      data: { search: [{ name: 'Alice' }, { name: 'admin' }] },
    });
  });
});
