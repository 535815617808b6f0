/** Running parameterised SQL through knex and reading the rows back, shared by the stores. */
import type { Database } from '@platform/service-kit';
import type { Knex } from 'knex';

export interface Sql {
  rows(query: string, bindings?: readonly Knex.RawBinding[]): Promise<unknown[]>;
  first(query: string, bindings?: readonly Knex.RawBinding[]): Promise<unknown>;
  /** Runs a statement and answers how many rows it touched. */
  count(query: string, bindings?: readonly Knex.RawBinding[]): Promise<number>;
}

export function sqlOn(db: Database): Sql {
  const rows = async (query: string, bindings: readonly Knex.RawBinding[] = []) =>
    (await db.raw<{ rows: unknown[] }>(query, bindings)).rows;
  return {
    rows,
    first: async (query, bindings) => (await rows(query, bindings))[0],
    count: async (query, bindings = []) => (await db.raw<{ rowCount: number | null }>(query, bindings)).rowCount ?? 0,
  };
}

/** Codes and names sorted by code unit, the same in every locale (Postgres' order depends on its collation). */
export function sorted(values: Iterable<string>): string[] {
  return [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
