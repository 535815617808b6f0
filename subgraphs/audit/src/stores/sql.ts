/** Running parameterised SQL through knex and reading the rows back, shared by the stores. */
import type { Database } from '@platform/service-kit';
import type { Knex } from 'knex';

export interface Sql {
  rows(query: string, bindings?: readonly Knex.RawBinding[]): Promise<unknown[]>;
  first(query: string, bindings?: readonly Knex.RawBinding[]): Promise<unknown>;
}

export function sqlOn(db: Database): Sql {
  const rows = async (query: string, bindings: readonly Knex.RawBinding[] = []) =>
    (await db.raw<{ rows: unknown[] }>(query, bindings)).rows;
  return {
    rows,
    first: async (query, bindings) => (await rows(query, bindings))[0],
  };
}
