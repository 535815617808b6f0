import { execute, GraphQLError, parse, type GraphQLSchema } from 'graphql';
import { describe, expect, it } from 'vitest';
import {
  authorizeOperation,
  type AuthorizationCaller,
  type AuthorizationMode,
} from '../../src/authorization/authorize.js';
import type { AuthorizationRequirements } from '../../src/authorization/requirements.js';
import {
  applyRemovals,
  rejectResult,
  type ExecutionResultLike,
  UNAUTHORIZED_CODE,
  UNAUTHORIZED_MESSAGE,
} from '../../src/authorization/response.js';
import { handWritten, requirements, schema } from './fixtures.js';

const anonymous: AuthorizationCaller = { authenticated: false, scopes: new Set(), policies: new Set() };
const signedIn: AuthorizationCaller = { authenticated: true, scopes: new Set(), policies: new Set() };

const alice = {
  __typename: 'User',
  id: 'u1',
  name: 'Alice',
  email: 'alice@example.com',
  phone: '555-0100',
  roles: [{ id: 'r1', name: 'admin' }],
  sessions: [{ id: 's1', createdAt: '2025-01-01', ip: '10.0.0.1' }],
};
const bob = { ...alice, id: 'u2', name: 'Bob', email: 'bob@example.com' };
const role = { __typename: 'Role', id: 'r1', name: 'admin' };
const audit = { __typename: 'AuditEntry', id: 'a1', action: 'login' };

/** What the subgraphs hold; the gateway's own execution returns every field it was asked for. */
const rootValue = {
  publicInfo: 'hello',
  me: alice,
  user: ({ id }: { id: string }) => (id === 'u2' ? bob : alice),
  users: [alice, bob],
  search: ({ term }: { term: string }) => (term === 'audit' ? [alice, role, audit] : [alice, role]),
  auditCount: 3,
  ticks: 7,
  userEvents: 'renamed',
  posts: [
    { __typename: 'PublicBlog', id: 'p1', title: 'Public' },
    { __typename: 'PrivateBlog', id: 'p2', title: 'Private', summary: 'secret' },
  ],
};

interface Options {
  variables?: Record<string, unknown>;
  mode?: AuthorizationMode;
  against?: { schema: GraphQLSchema; requirements: AuthorizationRequirements };
  /** Errors the execution itself produced. */
  executionErrors?: GraphQLError[];
}

/** The whole response step: authorize, execute what is left, shape the response, serialise it. */
async function respond(query: string, caller: AuthorizationCaller, options: Options = {}): Promise<unknown> {
  const against = options.against ?? { schema, requirements };
  const document = parse(query);
  const outcome = authorizeOperation({
    ...against,
    document,
    caller,
    variables: options.variables ?? null,
    mode: options.mode,
  });
  if (outcome.rejected) return JSON.parse(JSON.stringify(rejectResult(outcome.removed)));
  const executed = await execute({
    schema: against.schema,
    document: outcome.document,
    rootValue,
    variableValues: options.variables,
  });
  const result = options.executionErrors ? { ...executed, errors: options.executionErrors } : executed;
  return JSON.parse(JSON.stringify(applyRemovals(result, outcome, against.schema)));
}

const unauthorized = (...path: (string | number)[]) => ({
  message: 'Unauthorized field or type',
  path,
  extensions: { code: 'UNAUTHORIZED_FIELD_OR_TYPE' },
});

describe('applyRemovals', () => {
  it('uses Router’s message and code', () => {
    expect(UNAUTHORIZED_MESSAGE).toBe('Unauthorized field or type');
    expect(UNAUTHORIZED_CODE).toBe('UNAUTHORIZED_FIELD_OR_TYPE');
  });

  it('puts null at a removed field and one error at its path', async () => {
    expect(await respond('{ publicInfo me { name } }', anonymous)).toEqual({
      data: { publicInfo: 'hello', me: null },
      errors: [unauthorized('me')],
    });
  });

  it('puts null at a removed field nested in an object, under its alias', async () => {
    expect(await respond('{ u: user(id: "u1") { n: name m: email } }', signedIn)).toEqual({
      data: { u: { n: 'Alice', m: null } },
      errors: [unauthorized('u', 'm')],
    });
  });

  it('puts null in every element of a list, with one error for the list path', async () => {
    expect(await respond('{ users { name email sessions { ip } } }', signedIn)).toEqual({
      data: {
        users: [
          { name: 'Alice', email: null, sessions: [{ ip: null }] },
          { name: 'Bob', email: null, sessions: [{ ip: null }] },
        ],
      },
      errors: [unauthorized('users', '@', 'email'), unauthorized('users', '@', 'sessions', '@', 'ip')],
    });
  });

  it('propagates null from a removed non-null field to the nearest nullable parent', async () => {
    expect(await respond('{ publicInfo user(id: "u1") { name phone } }', anonymous)).toEqual({
      data: { publicInfo: 'hello', user: null },
      errors: [unauthorized('user', 'phone')],
    });
  });

  it('propagates through non-null lists up to data', async () => {
    // users: [User!]! and phone: String!: nothing on the way is nullable.
    expect(await respond('{ publicInfo users { name phone } }', anonymous)).toEqual({
      data: null,
      errors: [unauthorized('users', '@', 'phone')],
    });
  });

  it('nulls fields removed inside named fragments at every use site', async () => {
    const query = `{ a: user(id: "u1") { ...Card } b: user(id: "u2") { id ...Card } }
                   fragment Card on User { name email }`;
    expect(await respond(query, signedIn)).toEqual({
      data: { a: { name: 'Alice', email: null }, b: { id: 'u2', name: 'Bob', email: null } },
      errors: [unauthorized('a', 'email'), unauthorized('b', 'email')],
    });
  });

  it('keeps the client’s key order and drops the __typename the filter added', async () => {
    const response = (await respond(
      '{ search(term: "x") { ... on Role { name } ... on User { email name } } me { name } publicInfo }',
      anonymous,
    )) as { data: { search: unknown[] } };
    expect(response).toEqual({
      data: { search: [{ email: null, name: 'Alice' }, { name: 'admin' }], me: null, publicInfo: 'hello' },
      errors: [unauthorized('search', '@', 'email'), unauthorized('me')],
    });
    expect(Object.keys(response.data)).toEqual(['search', 'me', 'publicInfo']);
  });

  it('nulls the fields of a removed type condition on the objects of that type', async () => {
    expect(
      await respond('{ posts { ... on PublicBlog { title } ... on PrivateBlog { summary } } }', anonymous, {
        against: handWritten,
      }),
    ).toEqual({
      data: { posts: [{ title: 'Public' }, { summary: null }] },
      errors: [unauthorized('posts', '@', '... on PrivateBlog')],
    });
  });

  it('propagates a removed type condition’s non-null fields like any removed field, as Router does', async () => {
    // AuditEntry.action is String!, search is [SearchResult!]!: the audit entry cannot be shown.
    const query = '{ publicInfo search(term: "audit") { ... on Role { name } ... on AuditEntry { action } } }';
    expect(await respond(query, signedIn)).toEqual({
      data: null,
      errors: [unauthorized('search', '@', '... on AuditEntry')],
    });
    // Without an audit entry in the data there is nothing to null.
    expect(
      await respond('{ search(term: "x") { ... on Role { name } ... on AuditEntry { action } } }', signedIn),
    ).toEqual({
      data: { search: [{}, { name: 'admin' }] },
      errors: [unauthorized('search', '@', '... on AuditEntry')],
    });
  });

  it('leaves out a field its @include excludes, even when the response is reshaped', async () => {
    const query = 'query($e: Boolean!) { me { name } user(id: "u1") { name email @include(if: $e) } }';
    expect(await respond(query, anonymous, { variables: { e: false } })).toEqual({
      data: { me: null, user: { name: 'Alice' } },
      errors: [unauthorized('me')],
    });
  });

  it('passes introspection through', async () => {
    expect(await respond('{ __typename me { name } __type(name: "Role") { name } }', anonymous)).toEqual({
      data: { __typename: 'Query', me: null, __type: { name: 'Role' } },
      errors: [unauthorized('me')],
    });
  });

  it('shapes subscription events', async () => {
    expect(await respond('subscription { ticks userEvents }', anonymous)).toEqual({
      data: { ticks: 7, userEvents: null },
      errors: [unauthorized('userEvents')],
    });
  });

  it('appends its errors after the execution’s own', async () => {
    const failure = new GraphQLError('Subgraph failed', { path: ['publicInfo'], extensions: { code: 'X' } });
    expect(await respond('{ publicInfo me { name } }', anonymous, { executionErrors: [failure] })).toEqual({
      data: { publicInfo: 'hello', me: null },
      errors: [{ message: 'Subgraph failed', path: ['publicInfo'], extensions: { code: 'X' } }, unauthorized('me')],
    });
  });

  it('keeps data that execution already nulled', () => {
    const outcome = authorizeOperation({
      schema,
      requirements,
      document: parse('{ publicInfo me { name } }'),
      caller: anonymous,
    });
    const executed: ExecutionResultLike = { data: null };
    const shaped = applyRemovals(executed, outcome, schema);
    expect(shaped.data).toBeNull();
    expect(shaped.errors).toHaveLength(1);
  });

  it('returns the result itself when nothing was removed', () => {
    const outcome = authorizeOperation({ schema, requirements, document: parse('{ publicInfo }'), caller: anonymous });
    const result = { data: { publicInfo: 'hello' } };
    expect(applyRemovals(result, outcome, schema)).toBe(result);
  });

  it('dry_run: keeps the executed data and reports what would have been removed', async () => {
    expect(await respond('{ publicInfo me { name } }', anonymous, { mode: 'dry_run' })).toEqual({
      data: { publicInfo: 'hello', me: { name: 'Alice' } },
      errors: [unauthorized('me')],
    });
  });

  it('reject: answers data null and every path, without executing', async () => {
    expect(await respond('{ publicInfo me { name } users { email } }', signedIn, { mode: 'reject' })).toEqual({
      data: null,
      errors: [unauthorized('users', '@', 'email')],
    });
  });

  it('answers data null and every path when nothing of the operation is authorized', async () => {
    expect(await respond('{ me { name } auditCount }', anonymous)).toEqual({
      data: null,
      errors: [unauthorized('me'), unauthorized('auditCount')],
    });
  });

  it('produces GraphQLErrors, which Apollo Server formats as they are', () => {
    const [error] = rejectResult([{ path: ['me'], coordinate: 'Query.me' }]).errors;
    expect(error).toBeInstanceOf(GraphQLError);
    expect(error?.extensions.code).toBe('UNAUTHORIZED_FIELD_OR_TYPE');
  });
});
