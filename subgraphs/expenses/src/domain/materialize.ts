/**
 * Recurring expenses become expenses here: `materializeRecurringExpenses(db, asOf)` records
 * every occurrence due by `asOf` (today in each owner's time zone) that is not recorded yet.
 * Idempotent: an occurrence is one expense per rule and scheduled day (a unique index), so a
 * second run, or two replicas at once, add nothing. A periodic timer in the subgraph calls it
 * until the jobs issue moves it onto the scheduler.
 */
import { calendarDateIn, type Database, type Logger } from '@platform/service-kit';
import { NO_REQUEST } from '@platform/service-kit/events';
import { createStores } from '../stores/index.js';
import type { ExpenseSettings } from '../stores/user-store.js';
import { createExpensesService } from './expenses.js';
import { occurrencesBetween } from './recurrence.js';

export interface MaterializeResult {
  /** Expenses recorded by this run. */
  created: number;
  /** Rules that could not be materialized (a missing exchange rate); tried again next run. */
  failed: number;
}

export async function materializeRecurringExpenses(
  db: Database,
  asOf: Date,
  options: { defaults: ExpenseSettings; logger?: Logger },
): Promise<MaterializeResult> {
  const service = createExpensesService({ db, defaults: options.defaults });
  const stores = createStores(db);
  const result: MaterializeResult = { created: 0, failed: 0 };
  // The furthest-ahead "today" anywhere (UTC+14) bounds the candidates; each rule then uses its owner's own today.
  const candidates = await stores.recurring.due(calendarDateIn(asOf, 'Etc/GMT-14'));
  for (const candidate of candidates) {
    try {
      await db.transaction(async (trx) => {
        const on = createStores(trx);
        const rule = await on.recurring.lockIfFree(candidate.id);
        if (!rule) return;
        const { timeZone } = (await on.users.settings(rule.userId)) ?? options.defaults;
        const today = calendarDateIn(asOf, timeZone);
        const due = occurrencesBetween(rule, rule.materializedThrough, today);
        for (const occurrence of due) {
          const created = await service.addOccurrence(
            { userId: null, context: NO_REQUEST },
            {
              userId: rule.userId,
              categoryId: rule.categoryId,
              amount: rule.amount,
              spentOn: occurrence.spentOn,
              description: rule.description,
              tags: rule.tags,
              idempotencyKey: null,
              recurring: { id: rule.id, occurrenceOn: occurrence.scheduledOn },
            },
            trx,
          );
          if (created) result.created += 1;
        }
        const last = due.at(-1);
        if (last) await on.recurring.markMaterialized(rule.id, last.scheduledOn);
      });
    } catch (error) {
      result.failed += 1;
      options.logger?.warn(
        { err: error, recurringExpenseId: candidate.id },
        'a recurring expense could not be materialized',
      );
    }
  }
  return result;
}
