import { randomUUID } from 'node:crypto';
import { signedIn } from '@platform/devkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { periodContaining } from '../src/domain/periods.js';
import {
  categoryId,
  RECORD_EXPENSE,
  recordRate,
  registeredUser,
  SET_BUDGET,
  spend,
  startExpenses,
  UPDATE_SETTINGS,
  USER_BUDGETS,
  userReference,
  type ExpensesHarness,
} from './support.js';

interface BudgetData {
  id: string;
  period: string;
  periodStart: string;
  periodEnd: string;
  alertThresholdsPercent: number[];
  limit: { amount: string; currencyCode: string };
  spent: { amount: string; currencyCode: string };
  remaining: { amount: string; currencyCode: string };
  percentUsed: number;
  exceeded: boolean;
}

/** Today in UTC, the default time zone: the current budget period contains it. */
const today = new Date().toISOString().slice(0, 10);

describe('budgets', () => {
  let expenses: ExpensesHarness;
  beforeAll(async () => {
    expenses = await startExpenses();
    await recordRate(expenses, 'USD', 'EUR', '2020-01-01', '0.5');
  });
  afterAll(() => expenses.stop());

  async function setBudget(userId: string, variables: Record<string, unknown>): Promise<{ id: string }> {
    const { body } = await expenses.graphql<{ setBudget: { budget: { id: string } } }>(
      SET_BUDGET,
      { period: 'MONTHLY', currencyCode: 'EUR', ...variables },
      signedIn(userId),
    );
    if (!body.data?.setBudget) throw new Error(`setBudget failed: ${JSON.stringify(body.errors)}`);
    return body.data.setBudget.budget;
  }

  async function budgets(userId: string): Promise<BudgetData[]> {
    const { body } = await expenses.graphql<{ _entities: { budgets: BudgetData[] }[] }>(
      USER_BUDGETS,
      { representations: [userReference(userId)] },
      signedIn(userId),
    );
    if (!body.data) throw new Error(JSON.stringify(body.errors));
    return body.data._entities[0]!.budgets;
  }

  const outboxAlerts = async (budgetId: string) =>
    (await expenses.db('outbox').where({ key: budgetId })).map(
      (row: { payload: { type: string } }) => row.payload.type,
    );

  it('shows spent, remaining, percent used and exceeded for the current period, in the limit currency', async () => {
    const userId = await registeredUser(expenses);
    const food = await categoryId(expenses, userId, 'Groceries');
    const budget = await setBudget(userId, { categoryId: food, limit: '200.00' });
    await spend(expenses, userId, { amount: '50.00', categoryId: food, spentOn: today });
    await spend(expenses, userId, { amount: '20.00', currencyCode: 'USD', categoryId: food, spentOn: today });
    // Outside the period, and another category: not counted.
    await spend(expenses, userId, { amount: '999.00', categoryId: food, spentOn: '2020-01-15' });
    await spend(expenses, userId, {
      amount: '999.00',
      categoryId: await categoryId(expenses, userId, 'Travel'),
      spentOn: today,
    });
    const range = periodContaining(today, 'MONTHLY');
    expect(await budgets(userId)).toEqual([
      {
        id: budget.id,
        period: 'MONTHLY',
        periodStart: range.start,
        periodEnd: range.end,
        alertThresholdsPercent: [80, 100],
        category: { id: food },
        limit: { amount: '200.00', currencyCode: 'EUR' },
        spent: { amount: '60.00', currencyCode: 'EUR' },
        remaining: { amount: '140.00', currencyCode: 'EUR' },
        percentUsed: 0.3,
        exceeded: false,
      },
    ]);
  });

  it('raises each threshold once per period, and exceeded once when spending goes past the limit', async () => {
    const userId = await registeredUser(expenses);
    const fun = await categoryId(expenses, userId, 'Entertainment');
    const budget = await setBudget(userId, { categoryId: fun, limit: '100.00', alertThresholdsPercent: [50, 80, 100] });
    await spend(expenses, userId, { amount: '49.99', categoryId: fun, spentOn: today });
    expect(await outboxAlerts(budget.id)).toEqual([]);
    await spend(expenses, userId, { amount: '0.01', categoryId: fun, spentOn: today });
    await spend(expenses, userId, { amount: '10.00', categoryId: fun, spentOn: today });
    // Exactly the limit: 100 % reached, not exceeded.
    await spend(expenses, userId, { amount: '40.00', categoryId: fun, spentOn: today });
    expect(await outboxAlerts(budget.id)).toEqual([
      'platform.expenses.budget.threshold_crossed.v1',
      'platform.expenses.budget.threshold_crossed.v1',
      'platform.expenses.budget.threshold_crossed.v1',
    ]);
    await spend(expenses, userId, { amount: '0.01', categoryId: fun, spentOn: today });
    await spend(expenses, userId, { amount: '30.00', categoryId: fun, spentOn: today });
    const [state] = await budgets(userId);
    expect(state).toMatchObject({ exceeded: true, remaining: { amount: '-30.01' }, percentUsed: 1.3001 });
    const rows = await expenses.db('outbox').where({ key: budget.id }).orderBy('seq');
    expect(
      rows.map((row: { payload: { type: string; data: { thresholdPercent?: number; spent: unknown } } }) => [
        row.payload.type,
        row.payload.data.thresholdPercent ?? null,
        row.payload.data.spent,
      ]),
    ).toEqual([
      ['platform.expenses.budget.threshold_crossed.v1', 50, { amount: '50.00', currencyCode: 'EUR' }],
      ['platform.expenses.budget.threshold_crossed.v1', 80, { amount: '100.00', currencyCode: 'EUR' }],
      ['platform.expenses.budget.threshold_crossed.v1', 100, { amount: '100.00', currencyCode: 'EUR' }],
      ['platform.expenses.budget.exceeded.v1', null, { amount: '100.01', currencyCode: 'EUR' }],
    ]);
    // Another period starts afresh.
    const lastYear = `${Number(today.slice(0, 4)) - 1}${today.slice(4, 8)}15`;
    await spend(expenses, userId, { amount: '100.01', categoryId: fun, spentOn: lastYear });
    expect(await outboxAlerts(budget.id)).toHaveLength(8);
  });

  it('publishes exactly one exceeded event when two expenses cross 100 % at the same time', async () => {
    for (let round = 0; round < 3; round += 1) {
      const userId = await registeredUser(expenses);
      const food = await categoryId(expenses, userId, 'Groceries');
      const budget = await setBudget(userId, { categoryId: food, limit: '100.00' });
      await spend(expenses, userId, { amount: '70.00', categoryId: food, spentOn: today });
      const results = await Promise.all(
        [1, 2].map(() =>
          expenses.graphql(
            RECORD_EXPENSE,
            { amount: '40.00', currencyCode: 'EUR', categoryId: food, spentOn: today, description: 'Together' },
            signedIn(userId),
          ),
        ),
      );
      expect(results.map((result) => result.body.errors)).toEqual([undefined, undefined]);
      expect(await outboxAlerts(budget.id)).toEqual([
        'platform.expenses.budget.threshold_crossed.v1',
        'platform.expenses.budget.threshold_crossed.v1',
        'platform.expenses.budget.exceeded.v1',
      ]);
      const rows = await expenses
        .db<{ key: string; payload: { type: string; data: { spent: unknown } } }>('outbox')
        .where({ key: budget.id });
      const exceeded = rows.find((row) => row.payload.type === 'platform.expenses.budget.exceeded.v1');
      // Whichever of the two committed first crossed it (70 + 40); the other, seeing 150, raised nothing.
      expect(exceeded?.payload.data.spent).toEqual({ amount: '110.00', currencyCode: 'EUR' });
    }
  });

  it('follows the user time zone for the current period, with weeks from Monday', async () => {
    const userId = await registeredUser(expenses);
    await expenses.graphql(UPDATE_SETTINGS, { input: { timeZone: 'Pacific/Kiritimati' } }, signedIn(userId));
    const food = await categoryId(expenses, userId, 'Groceries');
    await setBudget(userId, { categoryId: food, limit: '10.00', period: 'WEEKLY' });
    await setBudget(userId, { categoryId: food, limit: '10.00', period: 'YEARLY' });
    const kiritimatiToday = new Intl.DateTimeFormat('en-CA', { timeZone: 'Pacific/Kiritimati' }).format(new Date());
    const [weekly, yearly] = await budgets(userId);
    expect(weekly).toMatchObject({ period: 'WEEKLY', ...rangeOf(periodContaining(kiritimatiToday, 'WEEKLY')) });
    expect(new Date(`${weekly!.periodStart}T00:00:00Z`).getUTCDay()).toBe(1);
    expect(yearly).toMatchObject({ period: 'YEARLY', periodStart: `${kiritimatiToday.slice(0, 4)}-01-01` });
  });

  it('keeps a limit in another currency, converting each expense at its day; refuses one with no rate', async () => {
    const userId = await registeredUser(expenses);
    const travel = await categoryId(expenses, userId, 'Travel');
    await spend(expenses, userId, { amount: '10.00', categoryId: travel, spentOn: today });
    await setBudget(userId, { categoryId: travel, limit: '100.00', currencyCode: 'USD' });
    // 10 EUR at the inverse of USD/EUR 0.5.
    expect(await budgets(userId)).toMatchObject([
      { limit: { amount: '100.00', currencyCode: 'USD' }, spent: { amount: '20.00', currencyCode: 'USD' } },
    ]);

    const { body } = await expenses.graphql(
      SET_BUDGET,
      { categoryId: travel, period: 'YEARLY', limit: '100', currencyCode: 'GBP' },
      signedIn(userId),
    );
    expect(body.errors?.[0]?.extensions?.fields).toEqual({
      'input.limit.currencyCode': `no EUR/GBP exchange rate on or before ${today}`,
    });
    expect(await expenses.db('budgets').where({ user_id: userId })).toHaveLength(1);
  });

  it('replaces the limit of an existing budget, and refuses bad input', async () => {
    const userId = await registeredUser(expenses);
    const food = await categoryId(expenses, userId, 'Groceries');
    const first = await setBudget(userId, { categoryId: food, limit: '10.00' });
    const second = await setBudget(userId, { categoryId: food, limit: '20.00', alertThresholdsPercent: [90] });
    expect(second.id).toBe(first.id);
    expect(await budgets(userId)).toMatchObject([{ limit: { amount: '20.00' }, alertThresholdsPercent: [90] }]);
    const { body } = await expenses.graphql(
      SET_BUDGET,
      { categoryId: randomUUID(), period: 'MONTHLY', limit: '0', currencyCode: 'EUR', alertThresholdsPercent: [0, 80] },
      signedIn(userId),
    );
    expect(body.errors?.[0]?.extensions?.fields).toEqual({
      'input.limit.amount': 'must be more than zero',
      'input.alertThresholdsPercent': 'each threshold must be a percentage from 1 to 1000',
      'input.categoryId': 'is not one of your categories',
    });
  });
});

function rangeOf(range: { start: string; end: string }) {
  return { periodStart: range.start, periodEnd: range.end };
}
