/**
 * SQL for expenses: insert (once per idempotency key, once per recurring occurrence), change,
 * delete, the keyset-paginated listing with its filters, and the rows reports and budgets sum.
 */
import { Money, sqlOn, type CalendarDate, type Database } from '@platform/service-kit';
import type { Knex } from 'knex';
import { z } from 'zod';
import type { ExpenseModel } from '../mappers.js';

const expenseRow = z.object({
  id: z.string(),
  user_id: z.string(),
  category_id: z.string(),
  amount: z.string(),
  currency: z.string(),
  converted_amount: z.string(),
  converted_currency: z.string(),
  exchange_rate: z.string().nullable(),
  spent_on: z.string(),
  description: z.string(),
  tags: z.array(z.string()),
  recurring_expense_id: z.string().nullable(),
  request_fingerprint: z.string().nullable(),
  created_at: z.date(),
});
const EXPENSE_COLUMNS = `id, user_id, category_id, amount::text as amount, currency, converted_amount::text as converted_amount,
  converted_currency, exchange_rate::text as exchange_rate, spent_on, description, tags, recurring_expense_id,
  request_fingerprint, created_at`;

export type StoredExpense = ExpenseModel & { requestFingerprint: string | null };

/**
 * The expense as this connection sees it, as one jsonb value in the row's own shape (amounts as
 * text, never a float): a keyed recordExpense's answer, kept beside its key so a retry answers
 * exactly what the first attempt did.
 */
const EXPENSE_ANSWER = `select to_jsonb(e) from (select ${EXPENSE_COLUMNS} from expenses where id = ?) e`;
const expenseAnswer = expenseRow.extend({ created_at: z.string().transform((value) => new Date(value)) });
const keyedRow = expenseRow.extend({ idempotent_answer: expenseAnswer.nullable() });

function toExpense(row: z.infer<typeof expenseRow>): StoredExpense {
  return {
    id: row.id,
    userId: row.user_id,
    categoryId: row.category_id,
    amount: Money.of(row.amount, row.currency),
    convertedAmount: Money.of(row.converted_amount, row.converted_currency),
    exchangeRate: row.exchange_rate,
    spentOn: row.spent_on,
    description: row.description,
    tags: row.tags,
    recurringExpenseId: row.recurring_expense_id,
    createdAt: row.created_at,
    requestFingerprint: row.request_fingerprint,
  };
}

export interface NewExpense {
  id: string;
  userId: string;
  categoryId: string;
  amount: Money;
  convertedAmount: Money;
  exchangeRate: string | null;
  spentOn: CalendarDate;
  description: string;
  tags: string[];
  idempotencyKey: string | null;
  requestFingerprint: string | null;
  recurring: { id: string; occurrenceOn: CalendarDate } | null;
}

export interface ExpenseFilter {
  categoryId?: string;
  from?: CalendarDate;
  to?: CalendarDate;
  tag?: string;
}

/** A place in the listing (newest day first, then newest id): what a cursor encodes. */
export interface ExpensePosition {
  spentOn: CalendarDate;
  id: string;
}

/** What sums need of an expense: both amounts, and the day for converting further. */
export interface AmountRow {
  categoryId: string;
  spentOn: CalendarDate;
  amount: Money;
  convertedAmount: Money;
}

const amountRow = z.object({
  category_id: z.string(),
  spent_on: z.string(),
  amount: z.string(),
  currency: z.string(),
  converted_amount: z.string(),
  converted_currency: z.string(),
});

const sumRow = z.object({ category_id: z.string(), month: z.string(), total: z.string() });

export interface ExpenseStore {
  /**
   * Inserts the expense unless the user already has one with its idempotency key (or the rule
   * already has one for its occurrence); answers the inserted expense, or null when it existed.
   */
  insert(expense: NewExpense): Promise<StoredExpense | null>;
  /**
   * Stores with the expense's idempotency key the expense as this transaction leaves it, and
   * answers that: the first request and every retry answer the same.
   */
  completeKey(id: string): Promise<StoredExpense>;
  /**
   * What the first request with the key answered (the expense as it is now, for one recorded
   * before answers were stored); null when the user has no expense with the key.
   */
  findByIdempotencyKey(userId: string, key: string): Promise<StoredExpense | null>;
  /** The expense, locked for a change in the caller's transaction. */
  findForUpdate(id: string): Promise<StoredExpense | null>;
  findManyByIds(ids: readonly string[]): Promise<StoredExpense[]>;
  update(expense: ExpenseModel): Promise<StoredExpense>;
  delete(id: string): Promise<void>;
  /** `limit` expenses of the user after `after`, matching `filter`. */
  list(userId: string, filter: ExpenseFilter, after: ExpensePosition | null, limit: number): Promise<StoredExpense[]>;
  /**
   * Totals in `currencyCode` by category and month of the user's expenses from `from` to `to`
   * (included) that need no conversion (spent or converted in that currency), summed exactly
   * by Postgres; and the rows of the others, which the caller converts one by one.
   */
  totals(
    userId: string,
    range: { from: CalendarDate; to: CalendarDate },
    currencyCode: string,
    categoryId?: string,
  ): Promise<{ sums: { categoryId: string; month: string; total: Money }[]; unconverted: AmountRow[] }>;
}

export function createExpenseStore(db: Database | Knex.Transaction): ExpenseStore {
  const sql = sqlOn(db);
  const one = async (query: string, bindings: Knex.RawBinding[]) => {
    const row = await sql.first(expenseRow, query, bindings);
    return row ? toExpense(row) : null;
  };
  return {
    insert(expense) {
      return one(
        `insert into expenses (id, user_id, category_id, amount, currency, converted_amount, converted_currency,
           exchange_rate, spent_on, description, tags, idempotency_key, request_fingerprint, recurring_expense_id,
           occurrence_on)
         values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::text[], ?, ?, ?, ?)
         on conflict do nothing
         returning ${EXPENSE_COLUMNS}`,
        [
          expense.id,
          expense.userId,
          expense.categoryId,
          expense.amount.format(),
          expense.amount.currencyCode,
          expense.convertedAmount.format(),
          expense.convertedAmount.currencyCode,
          expense.exchangeRate,
          expense.spentOn,
          expense.description,
          expense.tags,
          expense.idempotencyKey,
          expense.requestFingerprint,
          expense.recurring?.id ?? null,
          expense.recurring?.occurrenceOn ?? null,
        ],
      );
    },
    async completeKey(id) {
      const row = await sql.first(
        z.object({ idempotent_answer: expenseAnswer }),
        `update expenses set idempotent_answer = (${EXPENSE_ANSWER}) where id = ? returning idempotent_answer`,
        [id, id],
      );
      return toExpense(row!.idempotent_answer);
    },
    async findByIdempotencyKey(userId, key) {
      const row = await sql.first(
        keyedRow,
        `select ${EXPENSE_COLUMNS}, idempotent_answer from expenses where user_id = ? and idempotency_key = ?`,
        [userId, key],
      );
      if (!row) return null;
      return toExpense(row.idempotent_answer ?? row);
    },
    findForUpdate(id) {
      return one(`select ${EXPENSE_COLUMNS} from expenses where id = ? for update`, [id]);
    },
    async findManyByIds(ids) {
      const rows = await sql.rows(expenseRow, `select ${EXPENSE_COLUMNS} from expenses where id = any(?::uuid[])`, [
        [...ids],
      ]);
      return rows.map(toExpense);
    },
    async update(expense) {
      const updated = await one(
        `update expenses set category_id = ?, amount = ?, currency = ?, converted_amount = ?, converted_currency = ?,
           exchange_rate = ?, spent_on = ?, description = ?, tags = ?::text[], updated_at = now()
         where id = ? returning ${EXPENSE_COLUMNS}`,
        [
          expense.categoryId,
          expense.amount.format(),
          expense.amount.currencyCode,
          expense.convertedAmount.format(),
          expense.convertedAmount.currencyCode,
          expense.exchangeRate,
          expense.spentOn,
          expense.description,
          expense.tags,
          expense.id,
        ],
      );
      return updated!;
    },
    async delete(id) {
      await sql.execute('delete from expenses where id = ?', [id]);
    },
    async list(userId, filter, after, limit) {
      const conditions = ['user_id = ?'];
      const bindings: Knex.RawBinding[] = [userId];
      const where = (condition: string, ...values: Knex.RawBinding[]) => {
        conditions.push(condition);
        bindings.push(...values);
      };
      if (filter.categoryId) where('category_id = ?', filter.categoryId);
      if (filter.from) where('spent_on >= ?', filter.from);
      if (filter.to) where('spent_on <= ?', filter.to);
      if (filter.tag) where('? = any(tags)', filter.tag);
      if (after) where('(spent_on, id) < (?::date, ?::uuid)', after.spentOn, after.id);
      const rows = await sql.rows(
        expenseRow,
        `select ${EXPENSE_COLUMNS} from expenses where ${conditions.join(' and ')}
         order by spent_on desc, id desc limit ?`,
        [...bindings, limit],
      );
      return rows.map(toExpense);
    },
    async totals(userId, { from, to }, currencyCode, categoryId) {
      const scope = `user_id = ? and spent_on between ? and ? and (?::uuid is null or category_id = ?::uuid)`;
      const scopeBindings = [userId, from, to, categoryId ?? null, categoryId ?? null];
      const sums = await sql.rows(
        sumRow,
        `select category_id, to_char(spent_on, 'YYYY-MM') as month,
           sum(case when currency = ? then amount else converted_amount end)::text as total
         from expenses where ${scope} and (currency = ? or converted_currency = ?)
         group by 1, 2`,
        [currencyCode, ...scopeBindings, currencyCode, currencyCode],
      );
      const unconverted = await sql.rows(
        amountRow,
        `select category_id, spent_on, amount::text as amount, currency, converted_amount::text as converted_amount,
           converted_currency
         from expenses where ${scope} and currency <> ? and converted_currency <> ?`,
        [...scopeBindings, currencyCode, currencyCode],
      );
      return {
        sums: sums.map((row) => ({
          categoryId: row.category_id,
          month: row.month,
          total: Money.of(row.total, currencyCode),
        })),
        unconverted: unconverted.map((row) => ({
          categoryId: row.category_id,
          spentOn: row.spent_on,
          amount: Money.of(row.amount, row.currency),
          convertedAmount: Money.of(row.converted_amount, row.converted_currency),
        })),
      };
    },
  };
}
