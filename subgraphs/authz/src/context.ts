/**
 * What authz resolvers get per request: the kit's base context (caller, request id,
 * logger), the role administration service, the stores for reads, and per-request
 * DataLoaders so N roles or users cost one query per kind of data.
 */
import type { BaseContext } from '@platform/service-kit';
import type { BackgroundJobsAdmin } from './domain/background-jobs.js';
import DataLoader from 'dataloader';
import { loaderCache } from '@platform/service-kit';
import type { Actor } from './domain/changes.js';
import { requestContextOf } from '@platform/service-kit/events';
import { isUuid, normaliseUuid } from './domain/ids.js';
import type { RbacService } from './domain/rbac.js';
import type { RoleModel, UserModel } from './mappers.js';
import type { Stores } from './stores/index.js';

export interface Context extends BaseContext {
  rbac: RbacService;
  /** For reads outside a change (lists); changes go through `rbac`. */
  stores: Stores;
  /** Roles by id, batched and cached for this request. */
  roleById: DataLoader<string, RoleModel | null>;
  /** The permission codes of each role, sorted. */
  permissionsByRoleId: DataLoader<string, string[]>;
  /** Each user's roles, by name. */
  rolesByUserId: DataLoader<string, RoleModel[]>;
  /** Each user's effective permissions, sorted. */
  permissionsByUserId: DataLoader<string, string[]>;
  /** The caller as the author of a change, for the change's log line. */
  actor: Actor;
  /** Every administered service's background jobs, over their internal APIs. */
  backgroundJobs: BackgroundJobsAdmin;
}

/** What lives as long as the server; the context adds per-request state to it. */
export interface AuthzServices {
  rbac: RbacService;
  stores: Stores;
  backgroundJobs: BackgroundJobsAdmin;
}

/**
 * A loader over UUID keys: ids that are not UUIDs get `missing` without touching SQL, and
 * ids in any letter case share one lookup.
 */
function uuidLoader<V>(
  name: string,
  load: (ids: string[]) => Promise<Map<string, V>>,
  missing: () => V,
): DataLoader<string, V> {
  return new DataLoader<string, V>(
    async (keys) => {
      const ids = [...new Set(keys.filter(isUuid).map(normaliseUuid))];
      const found = ids.length > 0 ? await load(ids) : new Map<string, V>();
      return keys.map((key) => (isUuid(key) ? (found.get(normaliseUuid(key)) ?? missing()) : missing()));
    },
    { cacheKeyFn: (key) => (isUuid(key) ? normaliseUuid(key) : key), cacheMap: loaderCache(name) },
  );
}

function createLoaders(stores: Stores) {
  return {
    roleById: uuidLoader<RoleModel | null>(
      'roleById',
      async (ids) => new Map((await stores.roles.findManyByIds(ids)).map((role) => [role.id, role])),
      () => null,
    ),
    permissionsByRoleId: uuidLoader<string[]>(
      'permissionsByRoleId',
      (ids) => stores.roles.permissionsOf(ids),
      () => [],
    ),
    rolesByUserId: uuidLoader<RoleModel[]>(
      'rolesByUserId',
      (ids) => stores.assignments.rolesOfUsers(ids),
      () => [],
    ),
    permissionsByUserId: uuidLoader<string[]>(
      'permissionsByUserId',
      (ids) => stores.assignments.permissionsOfUsers(ids),
      () => [],
    ),
  };
}

export function createContextFactory(services: AuthzServices): (base: BaseContext) => Context {
  return (base) => ({
    ...base,
    rbac: services.rbac,
    stores: services.stores,
    backgroundJobs: services.backgroundJobs,
    ...createLoaders(services.stores),
    actor: {
      logger: base.logger,
      requestId: base.requestId,
      by: base.caller.userId ? `user:${base.caller.userId}` : 'anonymous',
      userId: base.caller.userId,
      context: requestContextOf(base),
      holds: new Set(base.caller.permissions),
    },
  });
}

/**
 * The user whose roles a mutation just changed, as its payload: what this request's loaders
 * hold about the user is forgotten, and the caller may read the result (see `requireAccessReadable`).
 */
export function changedUser(context: Context, userId: string): UserModel {
  const id = normaliseUuid(userId);
  context.rolesByUserId.clear(id);
  context.permissionsByUserId.clear(id);
  return { id, changedByCaller: true };
}
