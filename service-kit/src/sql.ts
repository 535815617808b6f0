/**
 * The one store style of the platform: parameterised SQL text run through knex (on the pool
 * or inside a transaction), each row checked by a zod schema at the boundary and mapped to
 * the domain's own objects by the store. No query builder chains, no unchecked rows.
 *
 *   const userRow = z.object({ id: z.string(), email: z.string() });
 *   const user = await sqlOn(trx).first(userRow, 'select id, email from users where id = ?', [id]);
 */
import type { Knex } from 'knex';
import type { z } from 'zod';

export type SqlBindings = readonly Knex.RawBinding[];

export interface Sql {
  /** Every row, each parsed by `row`. */
  rows<T>(row: z.ZodType<T>, query: string, bindings?: SqlBindings): Promise<T[]>;
  /** The first row parsed by `row`, or undefined when there is none. */
  first<T>(row: z.ZodType<T>, query: string, bindings?: SqlBindings): Promise<T | undefined>;
  /** Runs a statement; answers how many rows it touched. */
  execute(query: string, bindings?: SqlBindings): Promise<number>;
}

/** SQL on a pool or a transaction (`Knex.Transaction` is a `Knex`). */
export function sqlOn(db: Knex): Sql {
  const raw = async (query: string, bindings: SqlBindings = []) =>
    db.raw<{ rows: unknown[]; rowCount: number | null }>(query, bindings);
  return {
    async rows(row, query, bindings) {
      return (await raw(query, bindings)).rows.map((value) => row.parse(value));
    },
    async first(row, query, bindings) {
      const [value] = (await raw(query, bindings)).rows;
      return value === undefined ? undefined : row.parse(value);
    },
    async execute(query, bindings) {
      return (await raw(query, bindings)).rowCount ?? 0;
    },
  };
}
