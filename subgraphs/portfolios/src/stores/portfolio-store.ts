/** SQL for portfolios. Rows are checked here and returned as `Portfolio` objects. */
import { isUniqueViolation, sqlOn } from '@platform/service-kit';
import type { Knex } from 'knex';
import { z } from 'zod';
import type { CostBasisMethod } from '../domain/ledger.js';

/** The owner already has a portfolio of that name (case-insensitively). */
export class PortfolioNameTakenError extends Error {
  constructor(readonly portfolioName: string) {
    super(`a portfolio named ${portfolioName} already exists`);
    this.name = 'PortfolioNameTakenError';
  }
}

export interface Portfolio {
  id: string;
  ownerId: string;
  name: string;
  baseCurrencyCode: string;
  costBasisMethod: CostBasisMethod;
  createdAt: Date;
  updatedAt: Date;
}

const portfolioRow = z
  .object({
    id: z.string(),
    owner_id: z.string(),
    name: z.string(),
    base_currency: z.string(),
    cost_basis_method: z.enum(['AVERAGE', 'FIFO']),
    created_at: z.date(),
    updated_at: z.date(),
  })
  .transform((row): Portfolio => ({
    id: row.id,
    ownerId: row.owner_id,
    name: row.name,
    baseCurrencyCode: row.base_currency,
    costBasisMethod: row.cost_basis_method,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }));

const COLUMNS = 'id, owner_id, name, base_currency, cost_basis_method, created_at, updated_at';

const queries = {
  create: `insert into portfolios (owner_id, name, base_currency, cost_basis_method) values (?, ?, ?, ?)
    returning ${COLUMNS}`,
  findManyByIds: `select ${COLUMNS} from portfolios where id = any(?::uuid[])`,
  listByOwner: `select ${COLUMNS} from portfolios where owner_id = ? order by created_at, id`,
  // Serialises changes to one portfolio: a sale is checked against the holdings it would change.
  lockOwned: `select ${COLUMNS} from portfolios where id = ? and owner_id = ? for update`,
  update: `update portfolios set name = coalesce(?, name), cost_basis_method = coalesce(?, cost_basis_method),
    updated_at = now() where id = ? returning ${COLUMNS}`,
  touch: `update portfolios set updated_at = now() where id = ? returning ${COLUMNS}`,
  listIdsWithActivityUntil: `select distinct portfolio_id as id from activities where occurred_on <= ?`,
};

export interface PortfolioStore {
  /** Throws `PortfolioNameTakenError` when the owner has one of that name. */
  create(input: {
    ownerId: string;
    name: string;
    baseCurrencyCode: string;
    costBasisMethod: CostBasisMethod;
  }): Promise<Portfolio>;
  findManyByIds(ids: readonly string[]): Promise<Portfolio[]>;
  listByOwner(ownerId: string): Promise<Portfolio[]>;
  /** The owner's portfolio, locked until the transaction ends; undefined when it is not theirs or absent. */
  lockOwned(id: string, ownerId: string): Promise<Portfolio | undefined>;
  /** Throws `PortfolioNameTakenError` when renaming to a name the owner already uses. */
  update(id: string, changes: { name?: string; costBasisMethod?: CostBasisMethod }): Promise<Portfolio>;
  /** Marks a change to the portfolio's contents (a new activity). */
  touch(id: string): Promise<Portfolio>;
  /** Portfolios with at least one activity on or before `date`. */
  listIdsWithActivityUntil(date: string): Promise<string[]>;
}

export function createPortfolioStore(db: Knex): PortfolioStore {
  const sql = sqlOn(db);
  const one = async (query: string, bindings: Knex.RawBinding[], name?: string) => {
    const row = await sql.first(portfolioRow, query, bindings).catch((error: unknown) => {
      if (name !== undefined && isUniqueViolation(error, 'portfolios_owner_name_key'))
        throw new PortfolioNameTakenError(name);
      throw error;
    });
    if (!row) throw new Error('the portfolio row vanished inside its own transaction');
    return row;
  };
  return {
    create: (input) =>
      one(queries.create, [input.ownerId, input.name, input.baseCurrencyCode, input.costBasisMethod], input.name),
    findManyByIds: (ids) => sql.rows(portfolioRow, queries.findManyByIds, [ids as string[]]),
    listByOwner: (ownerId) => sql.rows(portfolioRow, queries.listByOwner, [ownerId]),
    lockOwned: (id, ownerId) => sql.first(portfolioRow, queries.lockOwned, [id, ownerId]),
    update: (id, changes) =>
      one(queries.update, [changes.name ?? null, changes.costBasisMethod ?? null, id], changes.name ?? ''),
    touch: (id) => one(queries.touch, [id]),
    async listIdsWithActivityUntil(date) {
      return (await sql.rows(z.object({ id: z.string() }), queries.listIdsWithActivityUntil, [date])).map(
        (row) => row.id,
      );
    },
  };
}
