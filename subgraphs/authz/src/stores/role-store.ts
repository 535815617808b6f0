/**
 * SQL for the roles aggregate: roles and the permissions they grant. Rows are checked at
 * this boundary and returned as `RoleModel`s; ids given here must already be UUIDs.
 */
import { isUniqueViolation, sqlOn, type Database } from '@platform/service-kit';
import { z } from 'zod';
import { sorted } from '../domain/rules.js';
import type { RoleModel } from '../mappers.js';
import { listsByKey } from './grouping.js';

/** A role of that name exists already (names are unique case-insensitively). */
export class RoleNameTakenError extends Error {
  constructor(readonly roleName: string) {
    super(`a role named "${roleName}" exists`);
    this.name = 'RoleNameTakenError';
  }
}

export const roleRow = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  system: z.boolean(),
  created_at: z.date(),
});
const grantRow = z.object({ role_id: z.string(), permission_code: z.string() });

export const ROLE_COLUMNS = 'id, name, description, system, created_at';

const sql = {
  list: `select ${ROLE_COLUMNS} from roles order by name collate "C"`,
  findManyByIds: `select ${ROLE_COLUMNS} from roles where id = any(?::uuid[])`,
  findByName: `select ${ROLE_COLUMNS} from roles where lower(name) = lower(?)`,
  create: `insert into roles (name, description, system) values (?, ?, ?) returning ${ROLE_COLUMNS}`,
  markSystem: 'update roles set system = true, updated_at = now() where id = ? and not system',
  touch: 'update roles set updated_at = now() where id = ?',
  delete: 'delete from roles where id = ?',
  permissionsOf: 'select role_id, permission_code from role_permissions where role_id = any(?::uuid[])',
  grant: `insert into role_permissions (role_id, permission_code)
    select ?, code from unnest(?::text[]) as code
    on conflict do nothing`,
  revoke: 'delete from role_permissions where role_id = ? and permission_code = any(?::text[])',
} as const;

export function toRole(row: z.infer<typeof roleRow>): RoleModel {
  return { id: row.id, name: row.name, description: row.description, system: row.system, createdAt: row.created_at };
}

export interface RoleStore {
  /** Every role, by name. */
  list(): Promise<RoleModel[]>;
  /** The roles among `ids` (UUIDs), in no particular order, in one query. */
  findManyByIds(ids: readonly string[]): Promise<RoleModel[]>;
  findById(id: string): Promise<RoleModel | null>;
  /** The role of that name in any letter case. */
  findByName(name: string): Promise<RoleModel | null>;
  /** Inserts a role; throws {@link RoleNameTakenError} when the name is taken. */
  create(input: { name: string; description: string | null; system: boolean }): Promise<RoleModel>;
  /** Makes a role a system role; answers whether it was not one. */
  markSystem(id: string): Promise<boolean>;
  /** Records that the role changed (its grants). */
  touch(id: string): Promise<void>;
  /** Deletes a role with its grants and assignments; answers whether it existed. */
  delete(id: string): Promise<boolean>;
  /** The permission codes each role grants, sorted; every id of `ids` is in the map. */
  permissionsOf(ids: readonly string[]): Promise<Map<string, string[]>>;
  /** Grants `codes` (which must exist) to the role; answers how many were new. */
  grant(id: string, codes: readonly string[]): Promise<number>;
  /** Revokes `codes` from the role; answers how many it had. */
  revoke(id: string, codes: readonly string[]): Promise<number>;
}

/** A role store on `db`, which may be a transaction. */
export function createRoleStore(db: Database): RoleStore {
  const run = sqlOn(db);
  const store: RoleStore = {
    list: async () => (await run.rows(roleRow, sql.list)).map(toRole),
    async findManyByIds(ids) {
      if (ids.length === 0) return [];
      return (await run.rows(roleRow, sql.findManyByIds, [[...ids]])).map(toRole);
    },
    async findById(id) {
      return (await store.findManyByIds([id]))[0] ?? null;
    },
    async findByName(name) {
      const row = await run.first(roleRow, sql.findByName, [name]);
      return row ? toRole(row) : null;
    },
    async create(input) {
      try {
        const row = await run.first(roleRow, sql.create, [input.name, input.description, input.system]);
        if (!row) throw new Error('inserting a role returned no row');
        return toRole(row);
      } catch (error) {
        if (isUniqueViolation(error, 'roles_name_lower_key')) throw new RoleNameTakenError(input.name);
        throw error;
      }
    },
    markSystem: async (id) => (await run.execute(sql.markSystem, [id])) > 0,
    async touch(id) {
      await run.execute(sql.touch, [id]);
    },
    delete: async (id) => (await run.execute(sql.delete, [id])) > 0,
    async permissionsOf(ids) {
      const grants = ids.length === 0 ? [] : await run.rows(grantRow, sql.permissionsOf, [[...ids]]);
      const byRole = listsByKey(
        ids,
        grants,
        (grant) => grant.role_id,
        (grant) => grant.permission_code,
      );
      for (const [id, codes] of byRole) byRole.set(id, sorted(codes));
      return byRole;
    },
    async grant(id, codes) {
      if (codes.length === 0) return 0;
      return run.execute(sql.grant, [id, [...codes]]);
    },
    async revoke(id, codes) {
      if (codes.length === 0) return 0;
      return run.execute(sql.revoke, [id, [...codes]]);
    },
  };
  return store;
}
