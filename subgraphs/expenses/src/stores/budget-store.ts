/**
 * SQL for budgets and the alerts they raised. An alert row's primary key (budget, period,
 * kind, threshold) is what makes each alert happen once per period.
 */
import { Money, sqlOn, type CalendarDate, type Database } from '@platform/service-kit';
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { z } from 'zod';
import type { BudgetPeriod } from '../domain/periods.js';

export interface BudgetRule {
  id: string;
  userId: string;
  categoryId: string;
  period: BudgetPeriod;
  limit: Money;
  alertThresholdsPercent: number[];
}

export type AlertKind = 'THRESHOLD' | 'EXCEEDED';

const budgetRow = z.object({
  id: z.string(),
  user_id: z.string(),
  category_id: z.string(),
  period: z.enum(['WEEKLY', 'MONTHLY', 'YEARLY']),
  limit_amount: z.string(),
  limit_currency: z.string(),
  thresholds_percent: z.array(z.number()),
});
const BUDGET_COLUMNS =
  'id, user_id, category_id, period, limit_amount::text as limit_amount, limit_currency, thresholds_percent';

function toBudget(row: z.infer<typeof budgetRow>): BudgetRule {
  return {
    id: row.id,
    userId: row.user_id,
    categoryId: row.category_id,
    period: row.period,
    limit: Money.of(row.limit_amount, row.limit_currency),
    alertThresholdsPercent: row.thresholds_percent,
  };
}

export interface BudgetStore {
  /** Creates the user's budget for the category and period, or replaces its limit and thresholds. */
  upsert(input: Omit<BudgetRule, 'id'>): Promise<BudgetRule>;
  /** The user's budgets, by category name then period length. */
  ofUser(userId: string): Promise<BudgetRule[]>;
  /** The budgets of these ids that exist, in no particular order. */
  findManyByIds(ids: readonly string[]): Promise<BudgetRule[]>;
  /** The categories' budgets, locked until the caller's transaction ends: alerts are decided one expense at a time. */
  lockOfCategories(categoryIds: readonly string[]): Promise<BudgetRule[]>;
  /** Records an alert; answers false when the budget already raised it in that period. */
  raiseAlert(budgetId: string, periodStart: CalendarDate, kind: AlertKind, thresholdPercent: number): Promise<boolean>;
}

export function createBudgetStore(db: Database | Knex.Transaction): BudgetStore {
  const sql = sqlOn(db);
  return {
    async upsert(input) {
      const row = await sql.first(
        budgetRow,
        `insert into budgets (id, user_id, category_id, period, limit_amount, limit_currency, thresholds_percent)
         values (?, ?, ?, ?, ?, ?, ?::integer[])
         on conflict (user_id, category_id, period) do update set limit_amount = excluded.limit_amount,
           limit_currency = excluded.limit_currency, thresholds_percent = excluded.thresholds_percent, updated_at = now()
         returning ${BUDGET_COLUMNS}`,
        [
          randomUUID(),
          input.userId,
          input.categoryId,
          input.period,
          input.limit.format(),
          input.limit.currencyCode,
          input.alertThresholdsPercent,
        ],
      );
      return toBudget(row!);
    },
    async ofUser(userId) {
      const rows = await sql.rows(
        budgetRow,
        `select ${BUDGET_COLUMNS.replace(/(^|, )/g, '$1b.')} from budgets b join categories c on c.id = b.category_id
         where b.user_id = ?
         order by lower(c.name), case b.period when 'WEEKLY' then 1 when 'MONTHLY' then 2 else 3 end`,
        [userId],
      );
      return rows.map(toBudget);
    },
    async findManyByIds(ids) {
      const rows = await sql.rows(budgetRow, `select ${BUDGET_COLUMNS} from budgets where id = any(?::uuid[])`, [
        [...ids],
      ]);
      return rows.map(toBudget);
    },
    async lockOfCategories(categoryIds) {
      // Always in id order, so two transactions locking overlapping sets cannot deadlock.
      const rows = await sql.rows(
        budgetRow,
        `select ${BUDGET_COLUMNS} from budgets where category_id = any(?::uuid[]) order by id for update`,
        [[...categoryIds]],
      );
      return rows.map(toBudget);
    },
    async raiseAlert(budgetId, periodStart, kind, thresholdPercent) {
      const inserted = await sql.execute(
        `insert into budget_alerts (budget_id, period_start, kind, threshold_percent) values (?, ?, ?, ?)
         on conflict do nothing`,
        [budgetId, periodStart, kind, thresholdPercent],
      );
      return inserted === 1;
    },
  };
}
