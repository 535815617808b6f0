/**
 * Expenses through the real gateway (issue #11, the expenses half of finance.graphql): a
 * registered user, whose default categories came from identity's `user.registered` event over
 * the bus, runs CreateExpenseCategory, RecordExpense (in euros and, at a rate the admin
 * recorded, in dollars; once more with the same idempotency key), SetBudget, BudgetStatus and
 * ExpenseReport. Another user cannot read them; the admin (who holds expenses.support.read,
 * like every permission) can, and the read lands in the audit log.
 */
import { eventually } from '@platform/devkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contractOperation } from '../harness/operations.js';
import { startTestPlatform, type TestPlatform } from '../harness/platform.js';
import { errorCodes, login, registerUser, type TestUser } from '../harness/users.js';

let platform: TestPlatform;
let user: TestUser;
let token: string;
let adminToken: string;

const today = new Date().toISOString().slice(0, 10);
const money = (amount: string, currencyCode = 'EUR') => ({ amount, currencyCode });

beforeAll(async () => {
  platform = await startTestPlatform();
  adminToken = (await login(platform, platform.admin)).accessToken;
  user = await registerUser(platform, 'saver');
  token = (await login(platform, user)).accessToken;
});
afterAll(() => platform?.stop());

const MY_CATEGORIES = /* GraphQL */ `
  query MyCategories {
    me {
      expenseCategories {
        id
        name
      }
    }
  }
`;

const RECORD_RATE = /* GraphQL */ `
  mutation RecordRate($date: Date!) {
    recordExchangeRate(input: { baseCurrencyCode: "USD", quoteCurrencyCode: "EUR", date: $date, rate: "0.9" }) {
      exchangeRate {
        rate
      }
    }
  }
`;

const SUPPORT_READ = /* GraphQL */ `
  query SupportRead($id: ID!, $from: Date!, $to: Date!) {
    user(id: $id) {
      expenseReport(from: $from, to: $to) {
        total {
          amount
          currencyCode
        }
      }
    }
  }
`;

describe('expenses end to end', () => {
  it('runs the finance contract: categories, expenses, a budget, its status and a report', async () => {
    const defaults = await eventually(async () => {
      const { body } = await platform.graphql<{ me: { expenseCategories: { id: string; name: string }[] } }>(
        MY_CATEGORIES,
        {},
        { token },
      );
      const categories = body.data?.me.expenseCategories ?? [];
      return categories.length > 0 ? categories : undefined;
    }, 'the default categories from user.registered');
    expect(defaults.map((category) => category.name)).toContain('Groceries');

    const created = await platform.graphql<{ createExpenseCategory: { category: { id: string; name: string } } }>(
      contractOperation('CreateExpenseCategory'),
      { name: 'Climbing' },
      { token },
    );
    expect(created.body.errors).toBeUndefined();
    const climbing = created.body.data!.createExpenseCategory.category;
    expect(climbing.name).toBe('Climbing');
    const duplicate = await platform.graphql(
      contractOperation('CreateExpenseCategory'),
      { name: 'climbing' },
      { token },
    );
    expect(errorCodes(duplicate)).toEqual(['CONFLICT']);

    const rate = await platform.graphql(RECORD_RATE, { date: '2020-01-01' }, { token: adminToken });
    expect(rate.body.errors).toBeUndefined();
    const byUser = await platform.graphql(RECORD_RATE, { date: '2020-01-01' }, { token });
    expect(errorCodes(byUser)).toEqual(['UNAUTHORIZED_FIELD_OR_TYPE']);

    const shoes = {
      amount: '120.00',
      currencyCode: 'EUR',
      categoryId: climbing.id,
      spentOn: today,
      description: 'Climbing shoes',
      idempotencyKey: 'import-row-1',
    };
    const recorded = await platform.graphql<{ recordExpense: { expense: Record<string, unknown> & { id: string } } }>(
      contractOperation('RecordExpense'),
      shoes,
      { token },
    );
    expect(recorded.body.errors).toBeUndefined();
    expect(recorded.body.data!.recordExpense.expense).toMatchObject({
      amount: money('120.00'),
      convertedAmount: money('120.00'),
      category: { id: climbing.id, name: 'Climbing' },
      spentOn: today,
    });
    const retried = await platform.graphql<{ recordExpense: { expense: { id: string } } }>(
      contractOperation('RecordExpense'),
      shoes,
      { token },
    );
    expect(retried.body.data!.recordExpense.expense.id).toBe(recorded.body.data!.recordExpense.expense.id);

    const dollars = await platform.graphql<{ recordExpense: { expense: Record<string, unknown> } }>(
      contractOperation('RecordExpense'),
      { amount: '100.00', currencyCode: 'USD', categoryId: climbing.id, spentOn: today, description: 'Chalk and tape' },
      { token },
    );
    expect(dollars.body.data?.recordExpense.expense).toMatchObject({
      amount: money('100.00', 'USD'),
      convertedAmount: money('90.00'),
    });
    const noRate = await platform.graphql(
      contractOperation('RecordExpense'),
      { amount: '1.00', currencyCode: 'GBP', categoryId: climbing.id, spentOn: today, description: 'x' },
      { token },
    );
    expect(noRate.body.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      fields: { 'input.amount.currencyCode': `no GBP/EUR exchange rate on or before ${today}` },
    });

    const budget = await platform.graphql<{ setBudget: { budget: { id: string; period: string; limit: unknown } } }>(
      contractOperation('SetBudget'),
      {
        categoryId: climbing.id,
        period: 'MONTHLY',
        limit: '200.00',
        currencyCode: 'EUR',
        alertThresholdsPercent: [80, 100],
      },
      { token },
    );
    expect(budget.body.errors).toBeUndefined();
    expect(budget.body.data!.setBudget.budget).toMatchObject({ period: 'MONTHLY', limit: money('200.00') });

    const status = await platform.graphql<{ me: { id: string; budgets: unknown[] } }>(
      contractOperation('BudgetStatus'),
      {},
      { token },
    );
    expect(status.body.errors).toBeUndefined();
    expect(status.body.data!.me).toEqual({
      id: user.id,
      budgets: [
        {
          id: budget.body.data!.setBudget.budget.id,
          period: 'MONTHLY',
          category: { id: climbing.id, name: 'Climbing' },
          limit: money('200.00'),
          spent: money('210.00'),
          remaining: money('-10.00'),
          percentUsed: 1.05,
          exceeded: true,
        },
      ],
    });

    const month = today.slice(0, 7);
    const report = await platform.graphql<{ me: { expenseReport: unknown } }>(
      contractOperation('ExpenseReport'),
      { from: `${month}-01`, to: today },
      { token },
    );
    expect(report.body.errors).toBeUndefined();
    expect(report.body.data!.me.expenseReport).toEqual({
      total: money('210.00'),
      byCategory: [{ category: { name: 'Climbing' }, total: money('210.00') }],
      byMonth: [{ month, total: money('210.00') }],
    });
  });

  it("keeps a user's finances from other users, and audits finance support's reads", async () => {
    const other = await registerUser(platform, 'nosy');
    const otherToken = (await login(platform, other)).accessToken;
    const nosy = await platform.graphql(
      SUPPORT_READ,
      { id: user.id, from: '2026-01-01', to: '2026-12-31' },
      { token: otherToken },
    );
    expect(errorCodes(nosy)).toContain('UNAUTHORIZED_FIELD_OR_TYPE');

    const support = await platform.graphql(
      SUPPORT_READ,
      { id: user.id, from: '2026-01-01', to: '2026-12-31' },
      { token: adminToken },
    );
    expect(support.body.errors).toBeUndefined();
    const logged = await eventually(async () => {
      const logs = await platform.graphql<{
        auditLogs: { edges: { node: { action: string; target: { id: string } } }[] };
      }>(
        contractOperation('AuditLogs'),
        { filter: { actorId: platform.admin.id, action: 'expenses.support_access.recorded' }, first: 5 },
        { token: adminToken },
      );
      const nodes = logs.body.data?.auditLogs.edges.map((edge) => edge.node) ?? [];
      return nodes.length > 0 ? nodes : undefined;
    }, 'the support read in the audit log');
    expect(logged[0]).toMatchObject({
      action: 'expenses.support_access.recorded',
      target: { type: 'user', id: user.id },
    });
  });
});
