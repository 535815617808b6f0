/**
 * The engine behind the stock `@apollo/gateway`, in-process: real subgraph schemas
 * (`@apollo/subgraph`), composed, stripped, loaded by `ApolloGateway`, executed through Apollo
 * Server, with the executor wrapped the way the gateway server wraps it.
 */
import { ApolloGateway, LocalGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { ApolloServer, type GraphQLResponse } from '@apollo/server';
import type { GatewayExecutor, GatewayInterface } from '@apollo/server-gateway-interface';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorizeOperation, policiesReferenced, type AuthorizationCaller } from '../../src/authorization/authorize.js';
import { createPolicyRegistry, evaluatePolicies } from '../../src/authorization/policies.js';
import { readAuthorization } from '../../src/authorization/requirements.js';
import { applyRemovals, rejectResult } from '../../src/authorization/response.js';
import { authSubgraph, compose, identitySubgraph } from './fixtures.js';

interface Context {
  caller: { userId: string | null; permissions: string[]; authTime: number | null };
}

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
const policies = createPolicyRegistry();

/** The integration the gateway server does: a wrapped executor. */
function authorizing(gateway: ApolloGateway): GatewayInterface {
  const wrap =
    (execute: GatewayExecutor): GatewayExecutor =>
    async (requestContext) => {
      const { schema, document, request } = requestContext;
      const { caller } = requestContext.context as Context;
      const { passed } = await evaluatePolicies(
        policiesReferenced(document, schema, requirements, request.operationName),
        policies,
        {
          userId: caller.userId,
          sessionId: null,
          permissions: new Set(caller.permissions),
          authTime: caller.authTime,
          clientIp: null,
          operationName: request.operationName ?? null,
          now: new Date(),
        },
      );
      const rights: AuthorizationCaller = {
        authenticated: caller.userId !== null,
        scopes: new Set(caller.permissions),
        policies: passed,
      };
      const outcome = authorizeOperation({
        schema,
        document,
        operationName: request.operationName,
        variables: request.variables,
        requirements,
        caller: rights,
      });
      if (outcome.rejected) return rejectResult(outcome.removed);
      const result = await execute(
        outcome.changed
          ? { ...requestContext, document: outcome.document, source: outcome.query!, queryHash: outcome.queryHash! }
          : requestContext,
      );
      return applyRemovals(result, outcome, schema);
    };
  return {
    load: async (options) => {
      const loaded = await gateway.load(options);
      return { ...loaded, executor: wrap(loaded.executor) };
    },
    onSchemaLoadOrUpdate: (callback) => gateway.onSchemaLoadOrUpdate(callback),
    stop: () => gateway.stop(),
  };
}

const silentLogger = { debug() {}, info() {}, warn() {}, error() {} };
const gateway = new ApolloGateway({
  supergraphSdl: gatewaySupergraphSdl,
  buildService: ({ name }) => new RecordingDataSource(name === 'auth' ? auth : identity),
  logger: silentLogger,
});
const server = new ApolloServer<Context>({ gateway: authorizing(gateway), logger: silentLogger });

const anonymous: Context = { caller: { userId: null, permissions: [], authTime: null } };
const member: Context = { caller: { userId: 'u1', permissions: [], authTime: null } };
const recentAdmin: Context = {
  caller: {
    userId: 'u1',
    permissions: ['identity.user.read', 'auth.session.read'],
    authTime: Math.floor(Date.now() / 1000) - 30,
  },
};

async function send(query: string, context: Context, variables?: Record<string, unknown>) {
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
