/** The expenses domain's events, built from its models (the catalog validates each). */
import type { Money } from '@platform/service-kit';
import { createEvent, type RequestContext } from '@platform/service-kit/events';
import type { ExpenseModel } from '../mappers.js';
import type { BudgetRule } from '../stores/budget-store.js';
import type { PeriodRange } from './periods.js';

/** Who caused a change: a user in a request, or the platform (null, no request) for scheduled work. */
export interface Actor {
  userId: string | null;
  context: RequestContext;
}

function expenseData(expense: ExpenseModel) {
  return {
    id: expense.id,
    categoryId: expense.categoryId,
    amount: expense.amount.toJSON(),
    convertedAmount: expense.convertedAmount.toJSON(),
    spentOn: expense.spentOn,
    recurringExpenseId: expense.recurringExpenseId,
  };
}

export function expenseEvent(
  type: 'platform.expenses.expense.created.v1' | 'platform.expenses.expense.updated.v1',
  actor: Actor,
  expense: ExpenseModel,
) {
  return createEvent({
    type,
    subject: expense.id,
    data: {
      actorId: actor.userId,
      target: { type: 'expense', id: expense.id },
      context: actor.context,
      userId: expense.userId,
      expense: expenseData(expense),
    },
  });
}

export function expenseDeleted(actor: Actor, expense: ExpenseModel) {
  return createEvent({
    type: 'platform.expenses.expense.deleted.v1',
    subject: expense.id,
    data: {
      actorId: actor.userId,
      target: { type: 'expense', id: expense.id },
      context: actor.context,
      userId: expense.userId,
      expenseId: expense.id,
    },
  });
}

function budgetData(actor: Actor, budget: BudgetRule, range: PeriodRange, spent: Money) {
  return {
    actorId: actor.userId,
    target: { type: 'budget' as const, id: budget.id },
    context: actor.context,
    userId: budget.userId,
    budgetId: budget.id,
    categoryId: budget.categoryId,
    period: budget.period,
    periodStart: range.start,
    periodEnd: range.end,
    limit: budget.limit.toJSON(),
    spent: spent.toJSON(),
  };
}

export function thresholdCrossed(actor: Actor, budget: BudgetRule, range: PeriodRange, spent: Money, percent: number) {
  return createEvent({
    type: 'platform.expenses.budget.threshold_crossed.v1',
    subject: budget.id,
    data: { ...budgetData(actor, budget, range, spent), thresholdPercent: percent },
  });
}

export function budgetExceeded(actor: Actor, budget: BudgetRule, range: PeriodRange, spent: Money) {
  return createEvent({
    type: 'platform.expenses.budget.exceeded.v1',
    subject: budget.id,
    data: budgetData(actor, budget, range, spent),
  });
}

export function supportAccessRecorded(actor: Actor & { userId: string }, ownerId: string, field: string) {
  return createEvent({
    type: 'platform.expenses.support_access.recorded.v1',
    subject: ownerId,
    data: {
      actorId: actor.userId,
      target: { type: 'user', id: ownerId },
      context: actor.context,
      userId: ownerId,
      field,
      outcome: 'success',
    },
  });
}
