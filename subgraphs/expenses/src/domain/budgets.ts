/**
 * Budgets: the state of a budget in a period, and the alerts an expense raises. Alerts are
 * decided under a lock on the category's budgets (taken in the expense's transaction), and each
 * is a row whose primary key is budget + period + threshold: two expenses landing at once raise
 * an alert once, and only the one that crossed it publishes the event.
 */
import { enqueue } from '@platform/service-kit/events';
import type { CalendarDate, Money } from '@platform/service-kit';
import type { Knex } from 'knex';
import type { BudgetModel } from '../mappers.js';
import type { BudgetRule } from '../stores/budget-store.js';
import type { Stores } from '../stores/index.js';
import { budgetExceeded, thresholdCrossed, type Actor } from './events.js';
import { periodContaining } from './periods.js';
import { sumOf, totalsIn } from './totals.js';

/** Thresholds a budget gets when none are given: 80 % and 100 % of the limit. */
export const DEFAULT_THRESHOLDS_PERCENT = [80, 100];

/** The budget's state in the period containing `day`. */
export async function budgetState(stores: Stores, budget: BudgetRule, day: CalendarDate): Promise<BudgetModel> {
  const range = periodContaining(day, budget.period);
  const currency = budget.limit.currencyCode;
  const totals = await totalsIn(
    stores,
    budget.userId,
    { from: range.start, to: range.end },
    currency,
    budget.categoryId,
  );
  const spent = sumOf(totals, currency);
  return { ...budget, periodStart: range.start, periodEnd: range.end, spent };
}

/** Whether `spent` reached `percent` % of `limit`. */
function reached(spent: Money, limit: Money, percent: number): boolean {
  return spent.amount.times(100).greaterThanOrEqualTo(limit.amount.times(percent));
}

/**
 * Raises the alerts of the category's budgets in the periods containing `days` (the days an
 * expense was on and is on now), each the first time it is crossed in its period, with its event.
 */
export async function raiseBudgetAlerts(
  trx: Knex.Transaction,
  stores: Stores,
  actor: Actor,
  categoryIds: readonly string[],
  days: readonly CalendarDate[],
): Promise<void> {
  const budgets = await stores.budgets.lockOfCategories(categoryIds);
  for (const budget of budgets) {
    const seen = new Set<string>();
    for (const day of days) {
      const state = await budgetState(stores, budget, day);
      if (seen.has(state.periodStart)) continue;
      seen.add(state.periodStart);
      const range = { start: state.periodStart, end: state.periodEnd };
      for (const percent of budget.alertThresholdsPercent) {
        if (!reached(state.spent, budget.limit, percent)) continue;
        if (await stores.budgets.raiseAlert(budget.id, range.start, 'THRESHOLD', percent)) {
          await enqueue(trx, thresholdCrossed(actor, budget, range, state.spent, percent));
        }
      }
      if (
        state.spent.compare(budget.limit) > 0 &&
        (await stores.budgets.raiseAlert(budget.id, range.start, 'EXCEEDED', 100))
      ) {
        await enqueue(trx, budgetExceeded(actor, budget, range, state.spent));
      }
    }
  }
}
