/**
 * The cost limit's estimate, against the composed supergraph's own `@cost`/`@listSize`: what
 * a field, a list, a slicing argument and a mutation cost, and that the client contract and
 * the benchmark's TestQuery pass the default limit.
 */
import { Supergraph } from '@apollo/federation-internals';
import { contractOperation } from '@platform/devkit/testing';
import { getOperationAST, Kind, parse, type GraphQLSchema } from 'graphql';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readAuthorization } from '../src/authorization/index.js';
import { loadGatewayConfig } from '../src/config.js';
import { expensiveOperationCount } from '../src/edge-limits.js';
import { DEFAULT_LIST_SIZE, operationCost, readCostModel, type CostModel } from '../src/operation-cost.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function served(file: string): { schema: GraphQLSchema; model: CostModel } {
  const sdl = readFileSync(path.join(root, file), 'utf8');
  // As the gateway loads it: without the security features @apollo/gateway does not support.
  const { gatewaySupergraphSdl } = readAuthorization(sdl);
  return { schema: Supergraph.build(gatewaySupergraphSdl).apiSchema().toGraphQLJSSchema(), model: readCostModel(sdl) };
}
const platform = served('supergraph/supergraph.graphql');
const benchmark = served('bench/gateway/workload/reference-supergraph.graphql');

function costOf(query: string, variables: Record<string, unknown> = {}, target = platform): number {
  const document = parse(query);
  const operation = getOperationAST(document)!;
  return operationCost(target.model, { schema: target.schema, document, operation, variables });
}

const defaultMaximum = loadGatewayConfig({
  NODE_ENV: 'test',
  AUTH_JWKS_URL: 'http://127.0.0.1:4002/.well-known/jwks.json',
  GATEWAY_SIGNING_KEY: JSON.stringify({ kty: 'OKP', crv: 'Ed25519', x: 'x', d: 'd' }),
  AUTHZ_INTERNAL_URL: 'http://127.0.0.1:4003',
  AUTHZ_INTERNAL_CREDENTIAL: 'a'.repeat(32),
  INTERNAL_API_CREDENTIALS: `authz:${'b'.repeat(32)}`,
}).MAX_OPERATION_COST;

describe('the cost model read from the composed supergraph', () => {
  it("has the subgraphs' @cost on the password mutations and @listSize on the paged lists", () => {
    for (const field of ['login', 'register', 'changePassword', 'requestPasswordReset', 'resetPassword']) {
      expect([field, platform.model.fieldWeights.get(`Mutation.${field}`)]).toEqual([field, 100]);
    }
    expect(platform.model.listSizes.get('Query.users')).toEqual({
      assumedSize: null,
      slicingArguments: ['first'],
      sizedFields: ['edges'],
    });
  });

  it('is empty for a supergraph that links no cost spec', () => {
    expect(benchmark.model.fieldWeights.size + benchmark.model.listSizes.size).toBe(0);
  });
});

describe('the estimate', () => {
  it('costs an object 1 and a scalar 0', () => {
    expect(costOf('{ me { id email } }')).toBe(1);
    expect(costOf('{ __typename }')).toBe(0);
  });

  it('multiplies a list without @listSize by the default size', () => {
    expect(costOf('{ me { roles { id } } }')).toBe(1 + DEFAULT_LIST_SIZE);
  });

  it("sizes a connection's edges by its slicing argument: literal, variable, or the argument's default", () => {
    const page = (first: string) => `query($n: Int) { users${first} { edges { node { id } } } }`;
    // users (1) + first × (edge 1 + node 1)
    expect(costOf(page('(first: 5)'))).toBe(1 + 5 * 2);
    expect(costOf(page('(first: $n)'), { n: 100 })).toBe(1 + 100 * 2);
    expect(costOf(page(''))).toBe(1 + 20 * 2);
    expect(costOf(page('(first: $n)'), { n: 1_000_000 })).toBeGreaterThan(defaultMaximum);
  });

  it('counts each aliased root field, and adds 10 per mutation root field', () => {
    const login = (n: number) =>
      `mutation { ${Array.from({ length: n }, (_, i) => `l${i}: login(input: { email: "a@b.c", password: "p" }) { accessToken }`).join(' ')} }`;
    // login's own @cost(weight: 100) + 10 for a mutation root field
    expect(costOf(login(1))).toBe(110);
    expect(costOf(login(40))).toBe(40 * 110);
  });

  it('follows fragments', () => {
    expect(costOf('query { me { ...F } } fragment F on User { roles { id } }')).toBe(1 + DEFAULT_LIST_SIZE);
  });
});

describe('expensive operations', () => {
  it('are the root mutation fields with @cost(weight: 100) or more, one per alias', () => {
    const document = parse(
      'mutation { a: login(input: { email: "a@b.c", password: "p" }) { accessToken } b: login(input: { email: "a@b.c", password: "p" }) { accessToken } logout(input: { refreshToken: "r" }) { success } }',
    );
    const resolved = { schema: platform.schema, document, operation: getOperationAST(document)!, variables: {} };
    expect(expensiveOperationCount(platform.model, resolved)).toBe(2);
  });
});

describe('the default maximum', () => {
  it('passes every operation of the client contract', () => {
    const names = readdirSync(path.join(root, 'supergraph/operations'))
      .filter((file) => file.endsWith('.graphql'))
      .flatMap((file) =>
        parse(readFileSync(path.join(root, 'supergraph/operations', file), 'utf8')).definitions.flatMap((definition) =>
          definition.kind === Kind.OPERATION_DEFINITION && definition.name ? [definition.name.value] : [],
        ),
      );
    const costs = names.map((name) => [name, costOf(contractOperation(name))] as const);
    expect(costs.length).toBeGreaterThan(10);
    for (const [name, cost] of costs) expect([name, cost <= defaultMaximum]).toEqual([name, true]);
  });

  it("passes the benchmark's TestQuery", () => {
    const cost = costOf(readFileSync(path.join(root, 'bench/gateway/workload/query.graphql'), 'utf8'), {}, benchmark);
    expect(cost).toBe(24_420); // every list without @listSize counted as 10
    expect(cost).toBeLessThanOrEqual(defaultMaximum);
  });
});
