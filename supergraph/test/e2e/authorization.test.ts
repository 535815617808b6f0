/**
 * Authorization through the real gateway: the federation directives of the subgraph
 * schemas enforced before planning (no subgraph is asked for a removed field), bypass
 * attempts, permissions that change on the very next request, and the seeded admin.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contractOperation } from '../harness/operations.js';
import { startTestPlatform, type GraphQLResponse, type TestPlatform } from '../harness/platform.js';
import { errorCodes, login, registerUser, type TestSession, type TestUser } from '../harness/users.js';

let platform: TestPlatform;
let user: TestUser;
let userSession: TestSession;
let adminSession: TestSession;

beforeAll(async () => {
  platform = await startTestPlatform();
  user = await registerUser(platform, 'matrix');
  userSession = await login(platform, user);
  adminSession = await login(platform, platform.admin);
});
afterAll(() => platform.stop());

const UNAUTHORIZED = 'UNAUTHORIZED_FIELD_OR_TYPE';
const deniedPaths = (response: GraphQLResponse) =>
  (response.body.errors ?? []).filter((error) => error.extensions?.code === UNAUTHORIZED).map((error) => error.path);

/** GraphQL requests a subgraph served for one client request id (from its access log). */
function subgraphRequests(service: string, requestId: string): number {
  return platform
    .logLines()
    .map((line) => JSON.parse(line) as { service?: string; requestId?: string; path?: string; msg?: string })
    .filter(
      (entry) =>
        entry.service === service &&
        entry.requestId === requestId &&
        entry.path === '/graphql' &&
        entry.msg === 'request completed',
    ).length;
}

type Caller = 'anonymous' | 'user' | 'admin';
const tokenOf = (caller: Caller) =>
  caller === 'anonymous' ? undefined : caller === 'user' ? userSession.accessToken : adminSession.accessToken;

interface MatrixRow {
  operation: string;
  variables: () => Record<string, unknown>;
  /** The response path of the protected root field. */
  path: string;
  allowed: Caller[];
}

const roleName = () => `role_${randomBytes(4).toString('hex')}`;

const matrix: MatrixRow[] = [
  { operation: 'Me', variables: () => ({}), path: 'me', allowed: ['user', 'admin'] },
  { operation: 'MySessions', variables: () => ({}), path: 'me', allowed: ['user', 'admin'] },
  { operation: 'MyAccess', variables: () => ({}), path: 'me', allowed: ['user', 'admin'] },
  { operation: 'Users', variables: () => ({ first: 5 }), path: 'users', allowed: ['admin'] },
  { operation: 'User', variables: () => ({ id: user.id }), path: 'user', allowed: ['admin'] },
  { operation: 'Roles', variables: () => ({}), path: 'roles', allowed: ['admin'] },
  { operation: 'Permissions', variables: () => ({}), path: 'permissions', allowed: ['admin'] },
  {
    operation: 'CreateRole',
    variables: () => ({ name: roleName(), description: 'matrix', permissions: ['identity.user.read'] }),
    path: 'createRole',
    allowed: ['admin'],
  },
  {
    operation: 'UpdateProfile',
    variables: () => ({ name: 'Matrix Name' }),
    path: 'updateProfile',
    allowed: ['user', 'admin'],
  },
];

describe('the authorization matrix over the client contract', () => {
  for (const row of matrix) {
    for (const caller of ['anonymous', 'user', 'admin'] as const) {
      const allowed = row.allowed.includes(caller);
      it(`${row.operation} is ${allowed ? 'served' : 'removed'} for ${caller === 'admin' ? 'an admin' : `a ${caller}`} caller`, async () => {
        const requestId = `matrix-${row.operation}-${caller}-${randomBytes(3).toString('hex')}`;
        const token = tokenOf(caller);
        const response = await platform.graphql(contractOperation(row.operation), row.variables(), {
          ...(token ? { token } : {}),
          headers: { 'x-request-id': requestId },
        });
        if (allowed) {
          expect(response.body.errors).toBeUndefined();
          expect(response.body.data?.[row.path]).toBeTruthy();
        } else {
          expect(deniedPaths(response)).toEqual([[row.path]]);
          expect(response.body.data ?? null).toBeNull();
          // Removed before planning: no subgraph served a GraphQL request for this client request.
          for (const service of ['identity', 'auth', 'authz']) expect(subgraphRequests(service, requestId)).toBe(0);
        }
      });
    }
  }

  it('removes only the fields a caller may not see and serves the rest, asking no subgraph for them', async () => {
    const requestId = `partial-${randomBytes(3).toString('hex')}`;
    // `me` from identity with the caller's roles from authz; `user(id)` (identity.user.read) is removed.
    const response = await platform.graphql(
      'query Partial($id: ID!) { me { id name } someone: user(id: $id) { email } }',
      { id: platform.admin.id },
      { token: userSession.accessToken, headers: { 'x-request-id': requestId } },
    );
    expect(response.body.data).toEqual({ me: { id: user.id, name: expect.any(String) as string }, someone: null });
    expect(deniedPaths(response)).toEqual([['someone']]);
    expect(subgraphRequests('identity', requestId)).toBe(1);
    expect(subgraphRequests('authz', requestId)).toBe(0);
  });

  it('nulls the whole response when a removed field is non-null, as GraphQL null propagation demands', async () => {
    const response = await platform.graphql('{ me { id } roles { id } }', {}, { token: userSession.accessToken });
    expect(response.body.data).toBeNull();
    expect(deniedPaths(response)).toEqual([['roles']]);
  });
});

describe('bypass attempts', () => {
  const asUser = (query: string, variables: Record<string, unknown> = {}) =>
    platform.graphql(query, variables, { token: userSession.accessToken });

  it('an alias does not hide a protected field', async () => {
    const response = await asUser(`{ boss: user(id: "${platform.admin.id}") { email } me { id } }`);
    expect(deniedPaths(response)).toEqual([['boss']]);
    expect(response.body.data).toEqual({ boss: null, me: { id: user.id } });
  });

  it('a named fragment does not smuggle a protected field', async () => {
    const response = await asUser(
      `query { ...Everything } fragment Everything on Query { user(id: "${platform.admin.id}") { email } me { id } }`,
    );
    expect(deniedPaths(response)).toEqual([['user']]);
    expect(response.body.data).toEqual({ user: null, me: { id: user.id } });
  });

  it('an inline fragment does not smuggle a protected field', async () => {
    const response = await asUser('{ ... on Query { permissions { code } } me { id } }');
    expect(deniedPaths(response)).toEqual([['permissions']]);
  });

  it('a variable-driven @include cannot switch a protected field on, and a skipped one is not reported', async () => {
    const query = 'query ($show: Boolean!) { me { id } users(first: 1) @include(if: $show) { edges { cursor } } }';
    const included = await asUser(query, { show: true });
    expect(deniedPaths(included)).toEqual([['users']]);
    const skipped = await asUser(query, { show: false });
    expect(skipped.body.errors).toBeUndefined();
    expect(skipped.body.data).toEqual({ me: { id: user.id } });
  });

  it('a protected mutation is removed whole and never runs', async () => {
    const name = roleName();
    const response = await platform.graphql(
      contractOperation('CreateRole'),
      { name, permissions: [] },
      { token: userSession.accessToken },
    );
    expect(deniedPaths(response)).toEqual([['createRole']]);
    const roles = await platform.graphql<{ roles: { name: string }[] }>(
      contractOperation('Roles'),
      {},
      {
        token: adminSession.accessToken,
      },
    );
    expect(roles.body.data!.roles.map((role) => role.name)).not.toContain(name);
  });

  for (const subgraph of ['identity', 'authz']) {
    it(`an _entities call sent straight to ${subgraph} is refused without the gateway's proof`, async () => {
      const response = await fetch(`${platform.subgraphUrls[subgraph]}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${userSession.accessToken}` },
        body: JSON.stringify({
          query: 'query ($r: [_Any!]!) { _entities(representations: $r) { ... on User { id } } }',
          variables: { r: [{ __typename: 'User', id: platform.admin.id }] },
        }),
      });
      expect(response.status).toBe(401);
    });
  }
});

describe('permissions that change on the very next request', () => {
  it('grant a permission to a role, assign it, and the next request succeeds; revoke it and the next one is denied', async () => {
    const admin = adminSession.accessToken;
    const member = await registerUser(platform, 'grantee');
    const memberToken = (await login(platform, member)).accessToken;
    const users = () => platform.graphql(contractOperation('Users'), { first: 1 }, { token: memberToken });
    expect(deniedPaths(await users())).toEqual([['users']]);

    const created = await platform.graphql<{ createRole: { role: { id: string } } }>(
      contractOperation('CreateRole'),
      { name: roleName(), permissions: [] },
      { token: admin },
    );
    const roleId = created.body.data!.createRole.role.id;
    await platform.graphql(
      contractOperation('GrantPermissions'),
      // Users lists other users with their roles: identity.user.read and authz.role.read.
      { roleId, permissions: ['identity.user.read', 'authz.role.read'] },
      { token: admin },
    );
    await platform.graphql(contractOperation('AssignRole'), { userId: member.id, roleId }, { token: admin });
    const granted = await users();
    expect(granted.body.errors).toBeUndefined();
    expect(granted.body.data?.users).toBeTruthy();

    const revoked = await platform.graphql(
      contractOperation('RevokePermissions'),
      { roleId, permissions: ['identity.user.read'] },
      { token: admin },
    );
    expect(revoked.body.errors).toBeUndefined();
    expect(deniedPaths(await users())).toEqual([['users']]);
  });
});

describe('the seeded admin', () => {
  it('can run every operation of authz.graphql', async () => {
    const admin = adminSession.accessToken;
    const target = await registerUser(platform, 'target');
    const run = async (name: string, variables: Record<string, unknown> = {}) => {
      const response = await platform.graphql<Record<string, unknown>>(contractOperation(name), variables, {
        token: admin,
      });
      expect(response.body.errors, name).toBeUndefined();
      return response.body.data!;
    };
    await run('MyAccess');
    await run('Users', { first: 10 });
    await run('User', { id: target.id });
    await run('Roles');
    await run('Permissions');
    const created = (await run('CreateRole', {
      name: roleName(),
      description: 'x',
      permissions: ['auth.session.read'],
    })) as {
      createRole: { role: { id: string } };
    };
    const roleId = created.createRole.role.id;
    await run('GrantPermissions', { roleId, permissions: ['identity.user.read'] });
    await run('RevokePermissions', { roleId, permissions: ['auth.session.read'] });
    await run('AssignRole', { userId: target.id, roleId });
    await run('UnassignRole', { userId: target.id, roleId });
    expect(await run('DeleteUser', { id: target.id })).toEqual({ deleteUser: { success: true } });
  });

  it('is the only admin and cannot be deleted', async () => {
    const response = await platform.graphql(
      contractOperation('DeleteUser'),
      { id: platform.admin.id },
      {
        token: adminSession.accessToken,
      },
    );
    expect(errorCodes(response)).toEqual(['CONFLICT']);
  });
});
