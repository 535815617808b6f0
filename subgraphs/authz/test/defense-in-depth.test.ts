import { randomUUID } from 'node:crypto';
import {
  createGatewayProofSigner,
  GATEWAY_PROOF_HEADER,
  generateGatewayKeys,
  Permission,
  permissionCatalog,
  type PermissionCode,
} from '@platform/service-kit';
import { anonymous, errorCode, postGraphQL, signedIn } from '@platform/devkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ASSIGN_ROLE,
  CREATE_ROLE,
  createRole,
  DELETE_ROLE,
  GRANT_PERMISSIONS,
  PERMISSIONS,
  REVOKE_PERMISSIONS,
  ROLE,
  ROLES,
  startAuthz,
  UNASSIGN_ROLE,
  type AuthzHarness,
} from './support.js';

/** Every operation with the permission it needs and variables that would otherwise succeed. */
interface Guarded {
  name: string;
  query: string;
  permission: PermissionCode;
  variables: () => Promise<Record<string, unknown>>;
}

describe('checks inside the subgraph, behind the gateway', () => {
  let authz: AuthzHarness;
  let guarded: Guarded[];
  beforeAll(async () => {
    authz = await startAuthz();
    const roleId = async () => (await createRole(authz)).id;
    guarded = [
      { name: 'roles', query: ROLES, permission: Permission.AuthzRoleRead, variables: async () => ({}) },
      {
        name: 'role',
        query: ROLE,
        permission: Permission.AuthzRoleRead,
        variables: async () => ({ id: await roleId() }),
      },
      {
        name: 'permissions',
        query: PERMISSIONS,
        permission: Permission.AuthzPermissionRead,
        variables: async () => ({}),
      },
      {
        name: 'createRole',
        query: CREATE_ROLE,
        permission: Permission.AuthzRoleWrite,
        variables: async () => ({ name: `r-${randomUUID().slice(0, 8)}`, permissions: [] }),
      },
      {
        name: 'grantPermissions',
        query: GRANT_PERMISSIONS,
        permission: Permission.AuthzRoleWrite,
        // A permission the caller holds: only those may be granted (escalation.test.ts).
        variables: async () => ({ roleId: await roleId(), permissions: [Permission.AuthzRoleWrite] }),
      },
      {
        name: 'revokePermissions',
        query: REVOKE_PERMISSIONS,
        permission: Permission.AuthzRoleWrite,
        variables: async () => ({ roleId: await roleId(), permissions: [Permission.AuthzRoleRead] }),
      },
      {
        name: 'assignRole',
        query: ASSIGN_ROLE,
        permission: Permission.AuthzRoleAssign,
        variables: async () => ({ userId: randomUUID(), roleId: await roleId() }),
      },
      {
        name: 'unassignRole',
        query: UNASSIGN_ROLE,
        permission: Permission.AuthzRoleAssign,
        variables: async () => ({ userId: randomUUID(), roleId: await roleId() }),
      },
      {
        name: 'deleteRole',
        query: DELETE_ROLE,
        permission: Permission.AuthzRoleWrite,
        variables: async () => ({ id: await roleId() }),
      },
    ];
  });
  afterAll(() => authz.stop());

  it('refuses every operation with FORBIDDEN when the proof lacks its permission, and changes nothing', async () => {
    for (const operation of guarded) {
      // Every permission but the one needed: the gateway would have refused this request.
      const others = permissionCatalog.map((entry) => entry.code).filter((code) => code !== operation.permission);
      const variables = await operation.variables();
      const version = await authz.version();
      const { status, body } = await authz.graphql(operation.query, variables, signedIn(randomUUID(), others));
      expect(status, operation.name).toBe(200);
      expect(errorCode(body), operation.name).toBe('FORBIDDEN');
      expect(body.errors?.[0]?.message, operation.name).toBe(
        `You need the ${operation.permission} permission to do this`,
      );
      expect(await authz.version(), operation.name).toBe(version);
    }
  });

  it('refuses every operation with UNAUTHENTICATED for an anonymous caller', async () => {
    for (const operation of guarded) {
      const { body } = await authz.graphql(operation.query, await operation.variables(), anonymous);
      expect(errorCode(body), operation.name).toBe('UNAUTHENTICATED');
    }
  });

  it('serves every operation when the proof carries exactly its permission', async () => {
    for (const operation of guarded) {
      const { body } = await authz.graphql(
        operation.query,
        await operation.variables(),
        signedIn(randomUUID(), [operation.permission]),
      );
      // assignRole/unassignRole answer the user's roles, which the caller just changed.
      expect(body.errors, operation.name).toBeUndefined();
    }
  });

  describe('the gateway proof', () => {
    const post = (headers: Record<string, string>) => postGraphQL(authz.url, { query: ROLES }, headers);

    it('refuses a request without a proof with 401', async () => {
      const response = await post({});
      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({ errors: [{ extensions: { code: 'UNAUTHENTICATED' } }] });
    });

    it('refuses a proof signed by a key the gateway does not own, whatever permissions it claims', async () => {
      const intruder = createGatewayProofSigner({ privateJwk: (await generateGatewayKeys('intruder')).privateJwk });
      const proof = await intruder.sign('authz', signedIn(randomUUID(), [Permission.AuthzRoleRead]));
      expect((await post({ [GATEWAY_PROOF_HEADER]: proof })).status).toBe(401);
    });
  });

  it('reports ready when the database answers', async () => {
    const response = await fetch(`${authz.url}/readyz`);
    expect(await response.json()).toEqual({ status: 'ready', checks: { database: true } });
  });
});
