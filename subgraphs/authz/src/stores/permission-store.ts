/**
 * SQL for the permission catalog table. It mirrors the generated catalog (synced at every
 * start); a code dropped from the catalog stays only while a role still grants it.
 */
import { sqlOn, type Database, type SqlBindings } from '@platform/service-kit';
import { z } from 'zod';
import { sorted } from '../domain/rules.js';

export interface PermissionRecord {
  code: string;
  description: string;
  owner: string;
}

const permissionRow = z.object({ code: z.string(), description: z.string(), owner: z.string() });
const codeRow = z.object({ code: z.string() });

const sql = {
  list: 'select code, description, owner from permissions',
  existing: 'select code from permissions where code = any(?::text[])',
  // Rows whose description and owner are unchanged are not touched at all.
  upsert: `insert into permissions (code, description, owner)
    select * from unnest(?::text[], ?::text[], ?::text[])
    on conflict (code) do update set description = excluded.description, owner = excluded.owner
    where permissions.description is distinct from excluded.description
       or permissions.owner is distinct from excluded.owner`,
  deleteRetired: `delete from permissions p
    where not (p.code = any(?::text[]))
      and not exists (select 1 from role_permissions rp where rp.permission_code = p.code)
    returning code`,
  retired: 'select code from permissions where not (code = any(?::text[]))',
} as const;

export interface PermissionStore {
  /** Every permission, by code. */
  list(): Promise<PermissionRecord[]>;
  /** The codes among `codes` that are in the table. */
  existing(codes: readonly string[]): Promise<Set<string>>;
  /** Inserts or updates the catalog's entries; answers how many rows changed. */
  upsert(entries: readonly PermissionRecord[]): Promise<number>;
  /** Deletes the codes that are not in `catalogCodes` and no role grants; answers them. */
  deleteRetired(catalogCodes: readonly string[]): Promise<string[]>;
  /** The codes in the table that are not in `catalogCodes`. */
  retired(catalogCodes: readonly string[]): Promise<string[]>;
}

export function createPermissionStore(db: Database): PermissionStore {
  const run = sqlOn(db);
  const codes = async (query: string, bindings: SqlBindings) =>
    sorted((await run.rows(codeRow, query, bindings)).map((row) => row.code));
  return {
    async list() {
      const rows = await run.rows(permissionRow, sql.list);
      const byCode = new Map(rows.map((row) => [row.code, row]));
      return sorted(byCode.keys()).map((code) => byCode.get(code)!);
    },
    async existing(candidates) {
      if (candidates.length === 0) return new Set();
      return new Set(await codes(sql.existing, [[...candidates]]));
    },
    async upsert(entries) {
      if (entries.length === 0) return 0;
      return run.execute(sql.upsert, [
        entries.map((entry) => entry.code),
        entries.map((entry) => entry.description),
        entries.map((entry) => entry.owner),
      ]);
    },
    deleteRetired: (catalogCodes) => codes(sql.deleteRetired, [[...catalogCodes]]),
    retired: (catalogCodes) => codes(sql.retired, [[...catalogCodes]]),
  };
}
