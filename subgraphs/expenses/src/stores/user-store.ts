/**
 * SQL for what expenses keeps per user: the settings row (base currency, time zone) and the
 * categories, default and own. Category names are unique per user whatever their case.
 */
import { isUniqueViolation, sqlOn, type Database } from '@platform/service-kit';
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { z } from 'zod';
import type { ExpenseCategoryModel } from '../mappers.js';

export interface ExpenseSettings {
  baseCurrencyCode: string;
  timeZone: string;
}

/** The user has a category of that name in some letter case. */
export class CategoryNameTakenError extends Error {
  constructor(readonly categoryName: string) {
    super(`a category named "${categoryName}" exists`);
    this.name = 'CategoryNameTakenError';
  }
}

const settingsRow = z.object({ base_currency: z.string(), time_zone: z.string() });
const categoryRow = z.object({ id: z.string(), user_id: z.string(), name: z.string(), is_default: z.boolean() });
const CATEGORY_COLUMNS = 'id, user_id, name, is_default';

function toCategory(row: z.infer<typeof categoryRow>): ExpenseCategoryModel {
  return { id: row.id, userId: row.user_id, name: row.name, isDefault: row.is_default };
}

export interface UserStore {
  /** The user's settings row, or null when they never had one (the configured defaults apply). */
  settings(userId: string): Promise<ExpenseSettings | null>;
  /** Creates the settings row with `defaults` unless one exists; answers the row. */
  ensureSettings(userId: string, defaults: ExpenseSettings): Promise<ExpenseSettings>;
  saveSettings(userId: string, settings: ExpenseSettings): Promise<void>;
  /** Adds the default categories the user lacks (by name, any case); answers how many were added. */
  addDefaultCategories(userId: string, names: readonly string[]): Promise<number>;
  createCategory(userId: string, name: string): Promise<ExpenseCategoryModel>;
  categories(userId: string): Promise<ExpenseCategoryModel[]>;
  categoriesByIds(ids: readonly string[]): Promise<ExpenseCategoryModel[]>;
  /** Deletes everything kept about the user: expenses, rules, budgets (and their alerts), categories, settings. */
  forget(userId: string): Promise<void>;
}

export function createUserStore(db: Database | Knex.Transaction): UserStore {
  const sql = sqlOn(db);
  return {
    async settings(userId) {
      const row = await sql.first(
        settingsRow,
        'select base_currency, time_zone from expense_settings where user_id = ?',
        [userId],
      );
      return row ? { baseCurrencyCode: row.base_currency, timeZone: row.time_zone } : null;
    },
    async ensureSettings(userId, defaults) {
      await sql.execute(
        'insert into expense_settings (user_id, base_currency, time_zone) values (?, ?, ?) on conflict (user_id) do nothing',
        [userId, defaults.baseCurrencyCode, defaults.timeZone],
      );
      return (await this.settings(userId)) ?? defaults;
    },
    async saveSettings(userId, settings) {
      await sql.execute(
        `insert into expense_settings (user_id, base_currency, time_zone) values (?, ?, ?)
         on conflict (user_id) do update set base_currency = excluded.base_currency, time_zone = excluded.time_zone,
           updated_at = now()`,
        [userId, settings.baseCurrencyCode, settings.timeZone],
      );
    },
    async addDefaultCategories(userId, names) {
      return sql.execute(
        `insert into categories (id, user_id, name, is_default)
         select gen_random_uuid(), ?, name, true from unnest(?::text[]) as name
         on conflict (user_id, lower(name)) do nothing`,
        [userId, [...names]],
      );
    },
    async createCategory(userId, name) {
      try {
        const row = await sql.first(
          categoryRow,
          `insert into categories (id, user_id, name) values (?, ?, ?) returning ${CATEGORY_COLUMNS}`,
          [randomUUID(), userId, name],
        );
        return toCategory(row!);
      } catch (error) {
        if (isUniqueViolation(error)) throw new CategoryNameTakenError(name);
        throw error;
      }
    },
    async categories(userId) {
      const rows = await sql.rows(
        categoryRow,
        `select ${CATEGORY_COLUMNS} from categories where user_id = ? order by lower(name), id`,
        [userId],
      );
      return rows.map(toCategory);
    },
    async categoriesByIds(ids) {
      const rows = await sql.rows(categoryRow, `select ${CATEGORY_COLUMNS} from categories where id = any(?::uuid[])`, [
        [...ids],
      ]);
      return rows.map(toCategory);
    },
    async forget(userId) {
      // Children first: expenses and budgets refer to categories and rules.
      for (const table of ['expenses', 'budgets', 'recurring_expenses', 'categories', 'expense_settings']) {
        await sql.execute(`delete from ${table} where user_id = ?`, [userId]);
      }
    },
  };
}
