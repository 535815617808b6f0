/**
 * What authz's tests share beyond the kit's harness: authz started with a recording
 * invalidation notifier (the definition's override), callers holding every permission, a
 * few setup steps through the GraphQL API, identity's events, and the operations they send.
 */
import { randomUUID } from 'node:crypto';
import { permissionCatalog, type Caller } from '@platform/service-kit';
import type { CloudEvent } from '@platform/service-kit/events';
import {
  contractOperation,
  signedIn,
  startSubgraph,
  userEvent,
  type StartSubgraphOptions,
  type SubgraphHarness,
} from '@platform/devkit/testing';
import type { InvalidationNotifier } from '../src/invalidation.js';
import { authzSubgraph } from '../src/subgraph.js';

export interface AuthzHarness extends SubgraphHarness<typeof authzSubgraph> {
  /** The notifier the subgraph tells versions to (a detached one with `notifier: false`). */
  notifier: RecordingNotifier;
  /** The id of the role named `name`. */
  roleId(name: string): Promise<string>;
  /** The current permissions version in the database. */
  version(): Promise<number>;
}

/** An invalidation notifier that remembers what it was told, and can be made to fail. */
export interface RecordingNotifier extends InvalidationNotifier {
  announced: number[];
  notified: { version: number; requestId?: string }[];
  /** When set, `notify` rejects with it (after recording the call). */
  failure: Error | null;
}

export function recordingNotifier(): RecordingNotifier {
  const notifier: RecordingNotifier = {
    channel: 'recording',
    announced: [],
    notified: [],
    failure: null,
    async announce(version) {
      notifier.announced.push(version);
    },
    async notify(version, options = {}) {
      notifier.notified.push({ version, ...(options.requestId ? { requestId: options.requestId } : {}) });
      if (notifier.failure) throw notifier.failure;
    },
  };
  return notifier;
}

/**
 * authz through the kit's harness, telling a recording notifier about versions unless
 * `notifier: false` (then it picks Redis or the gateway from its configuration, as in production).
 */
export async function startAuthz(
  options: Omit<StartSubgraphOptions<typeof authzSubgraph>, 'overrides'> & {
    notifier?: RecordingNotifier | false;
  } = {},
): Promise<AuthzHarness> {
  const { notifier: given, ...rest } = options;
  const notifier = given === false ? recordingNotifier() : (given ?? recordingNotifier());
  const harness = await startSubgraph(authzSubgraph, {
    ...rest,
    ...(given === false ? {} : { overrides: { invalidationNotifier: notifier } }),
  });
  return Object.assign(harness, {
    notifier,
    async roleId(name: string) {
      const row = await harness.db<{ id: string; name: string }>('roles').where({ name }).first('id');
      if (!row) throw new Error(`no role named ${name}`);
      return row.id;
    },
    async version() {
      const row = await harness.db<{ version: number }>('authz_state').first('version');
      if (!row) throw new Error('authz_state has no row');
      return row.version;
    },
  });
}

/** A signed-in caller whose proof carries every permission of the catalog. */
export function administrator(userId: string = randomUUID()): Caller {
  return signedIn(
    userId,
    permissionCatalog.map((entry) => entry.code),
  );
}

/** Identity's event for a new user, as its relay publishes it (with the registration's request id). */
export function userRegistered(userId: string = randomUUID()): CloudEvent<'platform.identity.user.registered.v1'> {
  return userEvent(
    'platform.identity.user.registered.v1',
    userId,
    { email: `user-${userId.slice(0, 8)}@example.com`, name: 'A new user', emailVerified: false },
    { actorId: null },
  );
}

/** Identity's event for a deleted user. */
export function userDeleted(userId: string): CloudEvent<'platform.identity.user.deleted.v1'> {
  return userEvent('platform.identity.user.deleted.v1', userId, { reason: null }, { actorId: userId });
}

/** The names of the roles `userId` holds, sorted. */
export async function rolesOf(authz: AuthzHarness, userId: string): Promise<string[]> {
  const { rows } = await authz.db.raw<{ rows: { name: string }[] }>(
    'select r.name from user_roles ur join roles r on r.id = ur.role_id where ur.user_id = ? order by r.name collate "C"',
    [userId],
  );
  return rows.map((row) => row.name);
}

/** What the contract's `MyAccess` asks authz for, once the gateway has `me { id }` from identity. */
export const USER_ACCESS = /* GraphQL */ `
  query ($representations: [_Any!]!) {
    _entities(representations: $representations) {
      ... on User {
        id
        roles {
          id
          name
        }
        permissions
      }
    }
  }
`;

export interface UserAccessData {
  _entities: ({ id: string; roles: { id: string; name: string }[]; permissions: string[] } | null)[];
}

export function userReference(id: string) {
  return { __typename: 'User', id };
}

export const CREATE_ROLE = contractOperation('CreateRole');
export const GRANT_PERMISSIONS = contractOperation('GrantPermissions');
export const REVOKE_PERMISSIONS = contractOperation('RevokePermissions');
export const ASSIGN_ROLE = contractOperation('AssignRole');
export const UNASSIGN_ROLE = contractOperation('UnassignRole');
export const ROLES = contractOperation('Roles');
export const PERMISSIONS = contractOperation('Permissions');

// Not in the client contract: the admin console's operations, restated.
export const DELETE_ROLE = /* GraphQL */ `
  mutation DeleteRole($id: ID!, $cascade: Boolean) {
    deleteRole(input: { id: $id, cascade: $cascade }) {
      success
    }
  }
`;

export const ROLE = /* GraphQL */ `
  query Role($id: ID!) {
    role(id: $id) {
      id
      name
      description
      permissions
      system
      createdAt
    }
  }
`;

export interface RoleData {
  id: string;
  name: string;
  description?: string | null;
  permissions: string[];
}

let roleCounter = 0;
/** A role name no other test uses. */
export function uniqueRoleName(label = 'role'): string {
  roleCounter += 1;
  return `${label}-${roleCounter}-${randomUUID().slice(0, 8)}`;
}

/** Creates a role as an administrator and returns it, failing the test on any error. */
export async function createRole(
  authz: AuthzHarness,
  input: { name?: string; description?: string | null; permissions?: string[] } = {},
): Promise<RoleData> {
  const { body } = await authz.graphql<{ createRole: { role: RoleData } }>(
    CREATE_ROLE,
    {
      name: input.name ?? uniqueRoleName(),
      description: input.description ?? null,
      permissions: input.permissions ?? [],
    },
    administrator(),
  );
  if (!body.data?.createRole) throw new Error(`createRole failed: ${JSON.stringify(body.errors)}`);
  return body.data.createRole.role;
}

/** Gives `userId` the role as `by` (an administrator by default), failing the test on any error. */
export async function assign(
  authz: AuthzHarness,
  userId: string,
  role: string,
  by: Caller = administrator(),
): Promise<void> {
  const { body } = await authz.graphql(ASSIGN_ROLE, { userId, roleId: role }, by);
  if (body.errors) throw new Error(`assignRole failed: ${JSON.stringify(body.errors)}`);
}
