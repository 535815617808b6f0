/**
 * SQL for role assignments (`user_roles`) and what follows from them: a user's roles and
 * effective permissions. User ids given here must already be UUIDs (identity owns users;
 * authz never checks them against identity's database).
 */
import { sqlOn, type Database, type SqlBindings } from '@platform/service-kit';
import { z } from 'zod';
import { sorted } from '../domain/rules.js';
import type { RoleModel } from '../mappers.js';
import { listsByKey } from './grouping.js';
import { ROLE_COLUMNS, roleRow, toRole } from './role-store.js';

const countRow = z.object({ count: z.number().int() });
const userPermissionRow = z.object({ user_id: z.string(), permission_code: z.string() });
const userRoleRow = roleRow.extend({ user_id: z.string() });
const accessRow = z.object({
  version: z.number().int(),
  roles: z.array(z.string()),
  permissions: z.array(z.string()),
});

const ROLE_COLUMNS_OF_R = ROLE_COLUMNS.split(', ')
  .map((column) => `r.${column}`)
  .join(', ');

const sql = {
  assign: 'insert into user_roles (user_id, role_id) values (?, ?) on conflict do nothing',
  unassign: 'delete from user_roles where user_id = ? and role_id = ?',
  removeAll: 'delete from user_roles where user_id = ?',
  holds: 'select count(*)::int as count from user_roles where user_id = ? and role_id = ?',
  countHolders: 'select count(*)::int as count from user_roles where role_id = ?',
  rolesOfUsers: `select ur.user_id, ${ROLE_COLUMNS_OF_R} from user_roles ur join roles r on r.id = ur.role_id
    where ur.user_id = any(?::uuid[])`,
  permissionsOfUsers: `select distinct ur.user_id, rp.permission_code
    from user_roles ur join role_permissions rp on rp.role_id = ur.role_id
    where ur.user_id = any(?::uuid[])`,
  // One statement, so the version and the permissions come from the same snapshot: the
  // gateway caches the permissions under this version.
  effectiveAccess: `select
      (select version from authz_state where id) as version,
      array(select r.name from user_roles ur join roles r on r.id = ur.role_id where ur.user_id = ?) as roles,
      array(select distinct rp.permission_code from user_roles ur
        join role_permissions rp on rp.role_id = ur.role_id where ur.user_id = ?) as permissions`,
} as const;

export interface EffectiveAccess {
  /** Role names, sorted. */
  roles: string[];
  /** Permission codes granted by any of the roles, sorted. */
  permissions: string[];
  /** The permissions version these were read at. */
  version: number;
}

export interface AssignmentStore {
  /** Gives the user the role; answers whether they did not hold it. */
  assign(userId: string, roleId: string): Promise<boolean>;
  /** Takes the role from the user; answers whether they held it. */
  unassign(userId: string, roleId: string): Promise<boolean>;
  /** Takes every role from the user; answers how many they held. */
  removeAll(userId: string): Promise<number>;
  holds(userId: string, roleId: string): Promise<boolean>;
  /** How many users hold the role. */
  countHolders(roleId: string): Promise<number>;
  /** Each user's roles, by name; every id of `userIds` is in the map. One query. */
  rolesOfUsers(userIds: readonly string[]): Promise<Map<string, RoleModel[]>>;
  /** Each user's effective permissions, sorted; every id of `userIds` is in the map. One query. */
  permissionsOfUsers(userIds: readonly string[]): Promise<Map<string, string[]>>;
  /** A user's roles, permissions and the version, read consistently. */
  effectiveAccess(userId: string): Promise<EffectiveAccess>;
}

export function createAssignmentStore(db: Database): AssignmentStore {
  const run = sqlOn(db);
  const count = async (query: string, bindings: SqlBindings) =>
    (await run.first(countRow, query, bindings))?.count ?? 0;
  return {
    assign: async (userId, roleId) => (await run.execute(sql.assign, [userId, roleId])) > 0,
    unassign: async (userId, roleId) => (await run.execute(sql.unassign, [userId, roleId])) > 0,
    removeAll: (userId) => run.execute(sql.removeAll, [userId]),
    holds: async (userId, roleId) => (await count(sql.holds, [userId, roleId])) > 0,
    countHolders: (roleId) => count(sql.countHolders, [roleId]),
    async rolesOfUsers(userIds) {
      const rows = userIds.length === 0 ? [] : await run.rows(userRoleRow, sql.rolesOfUsers, [[...userIds]]);
      const byUser = listsByKey(userIds, rows, (row) => row.user_id, toRole);
      for (const roles of byUser.values()) roles.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      return byUser;
    },
    async permissionsOfUsers(userIds) {
      const grants =
        userIds.length === 0 ? [] : await run.rows(userPermissionRow, sql.permissionsOfUsers, [[...userIds]]);
      const byUser = listsByKey(
        userIds,
        grants,
        (grant) => grant.user_id,
        (grant) => grant.permission_code,
      );
      for (const [id, codes] of byUser) byUser.set(id, sorted(codes));
      return byUser;
    },
    async effectiveAccess(userId) {
      const row = await run.first(accessRow, sql.effectiveAccess, [userId, userId]);
      if (!row) throw new Error('reading effective access returned no row');
      return { version: row.version, roles: sorted(row.roles), permissions: sorted(row.permissions) };
    },
  };
}
