import { createHash } from 'node:crypto';
import { parse, print, validate, type DocumentNode, type GraphQLSchema } from 'graphql';
import { describe, expect, it } from 'vitest';
import {
  authorizeOperation,
  policiesReferenced,
  type AuthorizationCaller,
  type AuthorizationMode,
  type AuthorizationOutcome,
} from '../../src/authorization/authorize.js';
import type { AuthorizationRequirements } from '../../src/authorization/requirements.js';
import { handWritten, requirements, schema } from './fixtures.js';

const anonymous: AuthorizationCaller = { authenticated: false, scopes: new Set(), policies: new Set() };
const signedIn: AuthorizationCaller = { authenticated: true, scopes: new Set(), policies: new Set() };
const reader: AuthorizationCaller = {
  authenticated: true,
  scopes: new Set(['identity.user.read', 'authz.role.read', 'auth.session.read']),
  policies: new Set(),
};
const everything: AuthorizationCaller = {
  authenticated: true,
  scopes: new Set([...requirements.scopeNames]),
  policies: new Set([...requirements.policyNames]),
};

interface RunOptions {
  variables?: Record<string, unknown>;
  operationName?: string;
  mode?: AuthorizationMode;
  against?: { schema: GraphQLSchema; requirements: AuthorizationRequirements };
}

function run(query: string | DocumentNode, caller: AuthorizationCaller, options: RunOptions = {}) {
  const document = typeof query === 'string' ? parse(query) : query;
  const against = options.against ?? { schema, requirements };
  const outcome = authorizeOperation({
    schema: against.schema,
    requirements: against.requirements,
    document,
    caller,
    operationName: options.operationName ?? null,
    variables: options.variables ?? null,
    mode: options.mode,
  });
  // Whatever the filter returns must still be a valid operation.
  expect(validate(against.schema, outcome.document)).toEqual([]);
  return { document, outcome, printed: print(outcome.document), paths: outcome.removed.map((r) => r.path) };
}

/** Compares printed documents whatever their whitespace. */
function same(query: string): string {
  return print(parse(query));
}

describe('authorizeOperation: what is removed', () => {
  it('returns the caller document object itself when the operation touches nothing protected', () => {
    const { document, outcome } = run(
      'query Public { publicInfo posts { id title } user(id: "1") { id name } }',
      anonymous,
    );
    expect(outcome.document).toBe(document);
    expect(outcome).toMatchObject({ changed: false, rejected: false, removed: [] });
  });

  it('returns the document untouched when the caller has every right the operation needs', () => {
    const { document, outcome } = run('{ me { email phone roles { name } sessions { ip } } auditCount }', everything);
    expect(outcome.document).toBe(document);
    expect(outcome.removed).toEqual([]);
  });

  it('removes an @authenticated field for an anonymous caller and reports it at its path', () => {
    const { outcome, printed } = run('{ publicInfo me { name } }', anonymous);
    expect(printed).toBe(same('{ publicInfo }'));
    expect(outcome.changed).toBe(true);
    expect(outcome.removed).toEqual([{ path: ['me'], coordinate: 'Query.me' }]);
  });

  it('reports paths by response key (alias)', () => {
    const { paths, printed } = run('{ publicInfo moi: me { name } u: user(id: "1") { mail: email } }', anonymous);
    expect(paths).toEqual([['moi'], ['u', 'mail']]);
    expect(printed).toBe(same('{ publicInfo u: user(id: "1") { __typename } }'));
  });

  it('keeps __typename in a selection set the filter emptied', () => {
    const { printed } = run('{ user(id: "1") { email phone } }', anonymous);
    expect(printed).toBe(same('{ user(id: "1") { __typename } }'));
  });

  it('marks list elements with @ like Router (/users/@/email)', () => {
    const { paths, outcome } = run('{ users { id email roles { name } } }', signedIn);
    expect(paths).toEqual([
      ['users', '@', 'email'],
      ['users', '@', 'roles'],
    ]);
    expect(outcome.removed.map((r) => r.coordinate)).toEqual(['User.email', 'User.roles']);
  });

  it('accepts any one of the alternative scope sets', () => {
    const admin: AuthorizationCaller = { ...signedIn, scopes: new Set(['identity.user.admin']) };
    expect(run('{ users { email } }', admin).outcome.removed).toEqual([]);
    expect(run('{ users { email } }', signedIn).paths).toEqual([['users', '@', 'email']]);
    expect(run('{ users { email roles { name } sessions { ip } } }', reader).outcome.removed).toEqual([]);
  });

  it('removes fields of a named fragment at every use site, each with its own path', () => {
    const { paths, printed } = run(
      `query Two {
        first: user(id: "1") { ...Card }
        second: user(id: "2") { id ...Card }
      }
      fragment Card on User { name email }`,
      signedIn,
    );
    expect(paths).toEqual([
      ['first', 'email'],
      ['second', 'email'],
    ]);
    expect(printed).toBe(
      same(`query Two {
        first: user(id: "1") { ...Card }
        second: user(id: "2") { id ...Card }
      }
      fragment Card on User { name }`),
    );
  });

  it('drops a fragment the filter emptied, with its spreads', () => {
    const { printed, paths } = run(
      `query { me { id } user(id: "1") { id ...Private } }
       fragment Private on User { email phone }`,
      anonymous,
    );
    expect(paths).toEqual([['me'], ['user', 'email'], ['user', 'phone']]);
    expect(printed).toBe(same('{ user(id: "1") { id } }'));
  });

  it('follows fragments nested in fragments', () => {
    const { paths } = run(
      `{ users { ...Outer } }
       fragment Outer on User { id ...Inner }
       fragment Inner on User { sessions { id ip } }`,
      signedIn,
    );
    expect(paths).toEqual([['users', '@', 'sessions', '@', 'ip']]);
  });

  it('removes an inline fragment on a union member the caller may not see', () => {
    const { paths, outcome, printed } = run(
      `{ search(term: "a") {
          __typename
          ... on Role { name }
          ... on AuditEntry { action }
          ... on User { name email }
        } }`,
      signedIn,
    );
    expect(outcome.removed).toEqual([
      { path: ['search', '@', '... on AuditEntry'], coordinate: 'AuditEntry' },
      { path: ['search', '@', 'email'], coordinate: 'User.email' },
    ]);
    expect(paths).toHaveLength(2);
    expect(printed).toBe(same('{ search(term: "a") { __typename ... on Role { name } ... on User { name } } }'));
  });

  it('removes a named fragment spread on an unauthorized type', () => {
    const { outcome, printed } = run(
      `{ search(term: "a") { ...Audit ... on Role { id } } }
       fragment Audit on AuditEntry { id action }`,
      signedIn,
    );
    expect(outcome.removed).toEqual([{ path: ['search', '@', '... on AuditEntry'], coordinate: 'AuditEntry' }]);
    // __typename lets the response step tell union members apart.
    expect(printed).toBe(same('{ search(term: "a") { __typename ... on Role { id } } }'));
  });

  it('removes a field returning an interface that composition protected with its implementation', () => {
    expect(run('{ posts { id } entries { id title } }', anonymous).paths).toEqual([['entries']]);
    expect(run('{ entries { ... on Post { id } } }', anonymous).outcome.rejected).toBe(true);
    expect(run('{ entries { id ... on Draft { body } } }', signedIn).outcome.removed).toEqual([]);
  });

  it('never filters introspection', () => {
    const { printed, paths } = run(
      `{ __typename __schema { types { name } } __type(name: "User") { fields { name } } me { name } }`,
      anonymous,
    );
    expect(paths).toEqual([['me']]);
    expect(printed).toBe(same('{ __typename __schema { types { name } } __type(name: "User") { fields { name } } }'));
  });

  it('rejects the operation when nothing of it is authorized', () => {
    const { outcome } = run('{ me { name } auditCount }', anonymous);
    expect(outcome.rejected).toBe(true);
    expect(outcome.changed).toBe(false);
    expect(outcome.removed).toEqual([
      { path: ['me'], coordinate: 'Query.me' },
      { path: ['auditCount'], coordinate: 'Query.auditCount' },
    ]);
  });

  it('reports one error per path when the same field is selected twice', () => {
    expect(run('{ me { name } me { id } publicInfo }', anonymous).paths).toEqual([['me']]);
  });
});

describe('authorizeOperation: @include and @skip', () => {
  const query = `query Profile($withEmail: Boolean!, $id: ID!) {
    user(id: $id) { name email @include(if: $withEmail) }
  }`;

  it('does not report, nor filter, a field its condition excludes', () => {
    const { document, outcome } = run(query, anonymous, { variables: { withEmail: false, id: '1' } });
    expect(outcome.removed).toEqual([]);
    expect(outcome.document).toBe(document);
  });

  it('reports and filters the field when its condition includes it, dropping the unused variable', () => {
    const { outcome, printed } = run(query, anonymous, { variables: { withEmail: true, id: '1' } });
    expect(outcome.removed).toEqual([{ path: ['user', 'email'], coordinate: 'User.email' }]);
    expect(printed).toBe(same('query Profile($id: ID!) { user(id: $id) { name } }'));
  });

  it('reads a variable default when the variable is not given', () => {
    const withDefault = 'query($on: Boolean = true) { user(id: "1") { email @include(if: $on) } }';
    expect(run(withDefault, anonymous).paths).toEqual([['user', 'email']]);
    expect(run(withDefault, anonymous, { variables: { on: false } }).paths).toEqual([]);
  });

  it('honours @skip, literal or variable, on fields, fragments and ancestors', () => {
    expect(run('{ publicInfo me @skip(if: true) { name } }', anonymous).paths).toEqual([]);
    expect(
      run('query($s: Boolean!) { publicInfo me @skip(if: $s) { name } }', anonymous, { variables: { s: false } }).paths,
    ).toEqual([['me']]);
    expect(
      run('query($s: Boolean!) { user(id: "1") @skip(if: $s) { email } publicInfo }', anonymous, {
        variables: { s: true },
      }).paths,
    ).toEqual([]);
    expect(
      run(
        `query($s: Boolean!) { user(id: "1") { ...Private @skip(if: $s) } }
         fragment Private on User { email }`,
        anonymous,
        { variables: { s: true } },
      ).paths,
    ).toEqual([]);
    expect(
      run('query($s: Boolean!) { search(term: "a") { ... on AuditEntry @skip(if: $s) { id } } }', signedIn, {
        variables: { s: false },
      }).paths,
    ).toEqual([['search', '@', '... on AuditEntry']]);
  });

  it('does not reject an operation whose only protected fields are excluded', () => {
    const { outcome, document } = run('query($on: Boolean!) { me @include(if: $on) { name } }', anonymous, {
      variables: { on: false },
    });
    expect(outcome).toMatchObject({ rejected: false, changed: false, removed: [] });
    expect(outcome.document).toBe(document);
  });
});

describe('authorizeOperation: mutations and subscriptions', () => {
  it('removes a mutation field whose policy did not pass, and the variables only it used', () => {
    const { outcome, printed } = run(
      `mutation Cleanup($id: ID!, $name: String!) { deleteUser(id: $id) ping rename(name: $name) { name } }`,
      signedIn,
      { variables: { id: '1', name: 'x' } },
    );
    expect(outcome.removed).toEqual([{ path: ['deleteUser'], coordinate: 'Mutation.deleteUser' }]);
    expect(printed).toBe(same('mutation Cleanup($name: String!) { ping rename(name: $name) { name } }'));
  });

  it('keeps a mutation field whose policy passed', () => {
    const recent: AuthorizationCaller = { ...signedIn, policies: new Set(['recent_authentication']) };
    const { outcome, document } = run('mutation { deleteUser(id: "1") }', recent);
    expect(outcome.document).toBe(document);
  });

  it('rejects a mutation that has nothing authorized left', () => {
    const { outcome } = run('mutation { deleteUser(id: "1") }', signedIn);
    expect(outcome).toMatchObject({ rejected: true, removed: [{ path: ['deleteUser'] }] });
  });

  it('filters subscription root fields', () => {
    expect(run('subscription { ticks userEvents }', anonymous).printed).toBe(same('subscription { ticks }'));
    expect(run('subscription { userEvents }', anonymous).outcome.rejected).toBe(true);
    expect(run('subscription { userEvents }', signedIn).outcome.removed).toEqual([]);
  });

  it('refuses a whole operation on a protected root type, at the empty path', () => {
    const { outcome } = run('mutation { publish(title: "x") { id } }', anonymous, { against: handWritten });
    expect(outcome).toMatchObject({ rejected: true, removed: [{ path: [], coordinate: 'Mutation' }] });
  });

  it('filters only the operation named, and drops the others from the filtered document', () => {
    const { printed } = run('query A { me { name } publicInfo } query B { publicInfo }', anonymous, {
      operationName: 'A',
    });
    expect(printed).toBe(same('query A { publicInfo }'));
  });
});

describe('authorizeOperation: Router rules for interfaces (hand-written supergraph)', () => {
  const against = handWritten;

  it('removes a field whose interface has a protected implementation when fields are read on the interface', () => {
    const { paths, printed } = run('{ posts { id title } post(id: "1") { __typename } }', anonymous, { against });
    expect(paths).toEqual([['posts']]);
    expect(printed).toBe(same('{ post(id: "1") { __typename } }'));
  });

  it('keeps the public implementations selected by type condition, and removes the protected one', () => {
    const { outcome, printed } = run(
      '{ posts { ... on PublicBlog { id title } ... on PrivateBlog { id title } } }',
      anonymous,
      { against },
    );
    expect(outcome.removed).toEqual([{ path: ['posts', '@', '... on PrivateBlog'], coordinate: 'PrivateBlog' }]);
    expect(printed).toBe(same('{ posts { __typename ... on PublicBlog { id title } } }'));
  });

  it('lets __typename be read on the interface', () => {
    expect(run('{ posts { __typename } }', anonymous, { against }).outcome.removed).toEqual([]);
  });

  it('does not let a fragment on the interface itself read a protected implementation', () => {
    expect(run('{ posts { ... on Post { title } } }', anonymous, { against }).paths).toEqual([['posts', '@', 'title']]);
  });

  it('removes an interface field protected on one implementation', () => {
    const { paths } = run('{ nodes { id note ... on Pic { note } } }', anonymous, { against });
    expect(paths).toEqual([['nodes', '@', 'note']]);
    expect(run('{ nodes { id ... on Pic { note } } }', anonymous, { against }).paths).toEqual([]);
  });

  it('does not add __typename where a client alias already uses that response key', () => {
    const { printed, paths } = run('{ nodes { __typename: id ... on Doc { note } ... on Pic { note } } }', anonymous, {
      against,
    });
    expect(paths).toEqual([['nodes', '@', 'note']]);
    expect(printed).toBe(same('{ nodes { __typename: id ... on Pic { note } } }'));
  });

  it('protects every field returning a protected scalar', () => {
    expect(run('{ secret }', anonymous, { against }).outcome.rejected).toBe(true);
    const allowed: AuthorizationCaller = { ...anonymous, scopes: new Set(['secret.read']) };
    expect(run('{ secret }', allowed, { against }).outcome.removed).toEqual([]);
  });
});

describe('authorizeOperation: modes', () => {
  it('reject: refuses the operation when anything would be removed, and only then', () => {
    expect(run('{ publicInfo me { name } }', anonymous, { mode: 'reject' }).outcome).toMatchObject({
      rejected: true,
      changed: false,
      removed: [{ path: ['me'] }],
    });
    expect(run('{ publicInfo me { name } }', signedIn, { mode: 'reject' }).outcome.rejected).toBe(false);
  });

  it('dry_run: executes the operation unchanged and reports what would have been removed', () => {
    const { document, outcome } = run('{ publicInfo me { name } }', anonymous, { mode: 'dry_run' });
    expect(outcome.document).toBe(document);
    expect(outcome).toMatchObject({ changed: false, rejected: false, removed: [{ path: ['me'] }] });
  });
});

describe('authorizeOperation: caching and hashing', () => {
  it('reuses the filtered document for callers with the same relevant rights', () => {
    const document = parse('{ publicInfo me { name } users { email } }');
    const first = run(document, anonymous).outcome;
    // Scopes the operation does not reference make no difference.
    const second = run(document, { ...anonymous, scopes: new Set(['audit.log.read']) }).outcome;
    expect(second.document).toBe(first.document);
    const third = run(document, signedIn).outcome;
    expect(third.document).not.toBe(first.document);
  });

  it('hashes the printed filtered document, for the gateway to cache its plan under', () => {
    const { outcome } = run('{ publicInfo me { name } }', anonymous);
    expect(outcome.query).toBe(print(outcome.document));
    expect(outcome.queryHash).toBe(createHash('sha256').update(outcome.query!).digest('hex'));
  });

  it('keeps the original request for the response step', () => {
    const { document, outcome } = run('query Q { publicInfo me { name } }', anonymous, {
      operationName: 'Q',
      variables: { unused: 1 },
    });
    expect(outcome.original).toEqual({ document, operationName: 'Q', variables: { unused: 1 } });
  });
});

describe('policiesReferenced', () => {
  it('names only the policies the operation may check', () => {
    expect(policiesReferenced(parse('{ publicInfo me { name } }'), schema, requirements)).toEqual(new Set());
    expect(
      policiesReferenced(
        parse('mutation M { ...Danger } fragment Danger on Mutation { deleteUser(id: "1") }'),
        schema,
        requirements,
      ),
    ).toEqual(new Set(['recent_authentication']));
  });
});

describe('authorizeOperation: outcome shape', () => {
  it('is stable for a document the gateway cannot resolve an operation for', () => {
    const document = parse('query A { me { name } } query B { publicInfo }');
    const outcome: AuthorizationOutcome = run(document, anonymous).outcome;
    expect(outcome.document).toBe(document);
    expect(outcome.removed).toEqual([]);
  });
});
