/** SQL for recurring expense rules and how far each has been materialized. */
import { Money, sqlOn, type CalendarDate, type Database } from '@platform/service-kit';
import type { Knex } from 'knex';
import { z } from 'zod';
import type { RecurringExpenseModel } from '../mappers.js';

const ruleRow = z.object({
  id: z.string(),
  user_id: z.string(),
  category_id: z.string(),
  amount: z.string(),
  currency: z.string(),
  description: z.string(),
  tags: z.array(z.string()),
  frequency: z.enum(['WEEKLY', 'MONTHLY_ON_DAY', 'MONTHLY_LAST_DAY', 'YEARLY']),
  day_of_month: z.number().nullable(),
  weekend_policy: z.enum(['KEEP', 'PREVIOUS_BUSINESS_DAY', 'NEXT_BUSINESS_DAY']),
  starts_on: z.string(),
  ends_on: z.string().nullable(),
  materialized_through: z.string().nullable(),
});
const RULE_COLUMNS = `id, user_id, category_id, amount::text as amount, currency, description, tags, frequency,
  day_of_month, weekend_policy, starts_on, ends_on, materialized_through`;

function toRule(row: z.infer<typeof ruleRow>): RecurringExpenseModel {
  return {
    id: row.id,
    userId: row.user_id,
    categoryId: row.category_id,
    amount: Money.of(row.amount, row.currency),
    description: row.description,
    tags: row.tags,
    frequency: row.frequency,
    dayOfMonth: row.day_of_month,
    weekendPolicy: row.weekend_policy,
    startsOn: row.starts_on,
    endsOn: row.ends_on,
    materializedThrough: row.materialized_through,
  };
}

export interface RecurringStore {
  create(rule: Omit<RecurringExpenseModel, 'materializedThrough'>): Promise<RecurringExpenseModel>;
  ofUser(userId: string): Promise<RecurringExpenseModel[]>;
  findManyByIds(ids: readonly string[]): Promise<RecurringExpenseModel[]>;
  /** Rules that may have occurrences up to `through`: started, not ended before their last materialized day. */
  due(through: CalendarDate): Promise<RecurringExpenseModel[]>;
  /** Locks one rule for materializing it (skipping it when another replica holds it). */
  lockIfFree(id: string): Promise<RecurringExpenseModel | null>;
  markMaterialized(id: string, through: CalendarDate): Promise<void>;
}

export function createRecurringStore(db: Database | Knex.Transaction): RecurringStore {
  const sql = sqlOn(db);
  return {
    async create(rule) {
      const row = await sql.first(
        ruleRow,
        `insert into recurring_expenses (id, user_id, category_id, amount, currency, description, tags, frequency,
           day_of_month, weekend_policy, starts_on, ends_on)
         values (?, ?, ?, ?, ?, ?, ?::text[], ?, ?, ?, ?, ?) returning ${RULE_COLUMNS}`,
        [
          rule.id,
          rule.userId,
          rule.categoryId,
          rule.amount.format(),
          rule.amount.currencyCode,
          rule.description,
          rule.tags,
          rule.frequency,
          rule.dayOfMonth,
          rule.weekendPolicy,
          rule.startsOn,
          rule.endsOn,
        ],
      );
      return toRule(row!);
    },
    async ofUser(userId) {
      const rows = await sql.rows(
        ruleRow,
        `select ${RULE_COLUMNS} from recurring_expenses where user_id = ? order by starts_on, id`,
        [userId],
      );
      return rows.map(toRule);
    },
    async findManyByIds(ids) {
      const rows = await sql.rows(ruleRow, `select ${RULE_COLUMNS} from recurring_expenses where id = any(?::uuid[])`, [
        [...ids],
      ]);
      return rows.map(toRule);
    },
    async due(through) {
      const rows = await sql.rows(
        ruleRow,
        `select ${RULE_COLUMNS} from recurring_expenses
         where starts_on <= ?::date + 3 and (ends_on is null or materialized_through is null or materialized_through < ends_on)
         order by id`,
        [through],
      );
      return rows.map(toRule);
    },
    async lockIfFree(id) {
      const row = await sql.first(
        ruleRow,
        `select ${RULE_COLUMNS} from recurring_expenses where id = ? for update skip locked`,
        [id],
      );
      return row ? toRule(row) : null;
    },
    async markMaterialized(id, through) {
      await sql.execute('update recurring_expenses set materialized_through = ? where id = ?', [through, id]);
    },
  };
}
