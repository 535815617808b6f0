/** Operation limits: what each refuses, and that the platform's own operations pass the defaults. */
import { contractOperation } from '@platform/devkit/testing';
import { buildSchema, GraphQLError, Kind, parse, validate, type DocumentNode } from 'graphql';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadGatewayConfig } from '../src/config.js';
import {
  formatOperationLimitError,
  OPERATION_LIMIT_EXCEEDED,
  operationLimitRules,
  operationLimitsFrom,
  parseOptionsOf,
  type OperationLimits,
} from '../src/operation-limits.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const required = {
  NODE_ENV: 'test',
  AUTH_JWKS_URL: 'http://127.0.0.1:4002/.well-known/jwks.json',
  GATEWAY_SIGNING_KEY: JSON.stringify({ kty: 'OKP', crv: 'Ed25519', x: 'x', d: 'd' }),
  AUTHZ_INTERNAL_URL: 'http://127.0.0.1:4003',
  AUTHZ_INTERNAL_CREDENTIAL: 'a'.repeat(32),
  INTERNAL_API_CREDENTIALS: `authz:${'b'.repeat(32)}`,
};

function limitsOf(environment: Record<string, string> = {}): OperationLimits {
  return operationLimitsFrom(loadGatewayConfig({ ...required, ...environment }));
}
const defaults = limitsOf();

// The limit rules look only at the document's shape, so any schema serves.
const schema = buildSchema('type Query { a: Int }');

/** The refusals of `query` under `limits`: a parse refusal, or the limit rules' errors. */
function refusals(query: string, limits: OperationLimits = defaults): readonly GraphQLError[] {
  let document: DocumentNode;
  try {
    document = parse(query, parseOptionsOf(limits));
  } catch (error) {
    const formatted = formatOperationLimitError(
      { message: (error as Error).message },
      { originalError: error },
      limits,
    );
    return [new GraphQLError(formatted.message, { extensions: formatted.extensions ?? {} })];
  }
  return validate(schema, document, operationLimitRules(limits));
}

const limitOf = (errors: readonly GraphQLError[]) =>
  errors.map((error) => [error.extensions.code, error.extensions.limit]);

const nested = (depth: number): string => (depth === 0 ? 'id' : `a { ${nested(depth - 1)} }`);

describe('operation limits at their defaults', () => {
  it('are 1000 tokens, depth 10, 15 aliases, 50 directives, 10 root fields and a cost of 50,000', () => {
    expect(defaults).toEqual({
      tokens: 1000,
      depth: 10,
      aliases: 15,
      directives: 50,
      rootFields: 10,
      cost: 50_000,
      exposeLimits: true,
    });
  });

  it('pass every operation of the client contract', () => {
    const files = readdirSync(path.join(root, 'supergraph/operations')).filter((file) => file.endsWith('.graphql'));
    const names = files.flatMap((file) =>
      parse(readFileSync(path.join(root, 'supergraph/operations', file), 'utf8')).definitions.flatMap((definition) =>
        definition.kind === Kind.OPERATION_DEFINITION && definition.name ? [definition.name.value] : [],
      ),
    );
    expect(names.length).toBeGreaterThan(10);
    for (const name of names) expect([name, refusals(contractOperation(name))]).toEqual([name, []]);
  });

  it("pass the benchmark's workload query", () => {
    expect(refusals(readFileSync(path.join(root, 'bench/gateway/workload/query.graphql'), 'utf8'))).toEqual([]);
  });

  it('refuse a document of more tokens than allowed while parsing', () => {
    const errors = refusals(`{ ${'a '.repeat(1000)}}`);
    expect(limitOf(errors)).toEqual([[OPERATION_LIMIT_EXCEEDED, 'tokens']]);
    expect(errors[0]!.message).toBe('The operation has too many tokens (at most 1000)');
  });

  it('refuse fields nested deeper than allowed, counting through fragments', () => {
    expect(refusals(`{ ${nested(9)} }`)).toEqual([]); // nine levels of `a`, then `id`
    expect(limitOf(refusals(`{ ${nested(10)} }`))).toEqual([[OPERATION_LIMIT_EXCEEDED, 'depth']]);
    expect(limitOf(refusals(`{ ${nested(6)} } fragment F on Query { ${nested(6)} }`.replace('id', '...F')))).toEqual([
      [OPERATION_LIMIT_EXCEEDED, 'depth'],
    ]);
  });

  it('refuse more aliases than allowed, each alias of the same mutation counted', () => {
    const aliases = (n: number) => `{ a { ${Array.from({ length: n }, (_, i) => `x${i}: id`).join(' ')} } }`;
    expect(refusals(aliases(15))).toEqual([]);
    expect(limitOf(refusals(aliases(16)))).toEqual([[OPERATION_LIMIT_EXCEEDED, 'aliases']]);
    const registers = `mutation { ${Array.from({ length: 40 }, (_, i) => `r${i}: register(input: $input) { id }`).join(' ')} }`;
    expect(limitOf(refusals(registers))).toContainEqual([OPERATION_LIMIT_EXCEEDED, 'aliases']);
  });

  it('refuse more directives than allowed', () => {
    expect(limitOf(refusals(`{ a ${'@skip(if: false) '.repeat(51)}}`))).toEqual([
      [OPERATION_LIMIT_EXCEEDED, 'directives'],
    ]);
  });

  it('refuse more root fields than allowed, through fragments and without aliases', () => {
    expect(refusals(`{ __typename ${'a '.repeat(10)}}`)).toEqual([]);
    expect(limitOf(refusals(`{ ${'a '.repeat(11)}}`))).toEqual([[OPERATION_LIMIT_EXCEEDED, 'rootFields']]);
    expect(limitOf(refusals(`{ a ...F ...F } fragment F on Query { ${'a '.repeat(5)} ... on Query { a } }`))).toEqual([
      [OPERATION_LIMIT_EXCEEDED, 'rootFields'],
    ]);
  });
});

describe('operation limits from the environment', () => {
  it('take each maximum from its variable', () => {
    const limits = limitsOf({ MAX_OPERATION_ALIASES: '2', MAX_OPERATION_DEPTH: '3', MAX_OPERATION_TOKENS: '20' });
    expect(limitOf(refusals('{ x: a y: a z: a }', limits))).toEqual([[OPERATION_LIMIT_EXCEEDED, 'aliases']]);
    expect(limitOf(refusals(`{ ${nested(3)} }`, limits))).toEqual([[OPERATION_LIMIT_EXCEEDED, 'depth']]);
    expect(limitOf(refusals(`{ ${'a '.repeat(20)}}`, limits))).toEqual([[OPERATION_LIMIT_EXCEEDED, 'tokens']]);
  });

  it('name no maximum in production', () => {
    const limits = limitsOf({ NODE_ENV: 'production' });
    expect(refusals(`{ ${'a '.repeat(11)}}`, limits)[0]!.message).toBe('The operation has too many root fields');
    expect(refusals(`{ ${'a '.repeat(1000)}}`, limits)[0]!.message).toBe('The operation has too many tokens');
  });
});
