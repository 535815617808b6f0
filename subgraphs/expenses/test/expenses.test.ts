import { randomUUID } from 'node:crypto';
import { Permission } from '@platform/service-kit';
import { anonymous, errorCode, eventually, signedIn, userEvent } from '@platform/devkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CATEGORY_NAMES } from '../src/domain/expenses.js';
import {
  categoryId,
  CREATE_CATEGORY,
  DELETE_EXPENSE,
  ENTITY_REFERENCES,
  EXPENSE_REPORT,
  RECORD_EXPENSE,
  RECORD_EXPENSE_WITH_TAGS,
  RECORD_RATE,
  recordRate,
  registeredUser,
  SET_BUDGET,
  spend,
  startExpenses,
  UPDATE_EXPENSE,
  UPDATE_SETTINGS,
  USER_FINANCES,
  USER_REPORT,
  userReference,
  type ExpensesHarness,
} from './support.js';

interface ExpenseNode {
  id: string;
  amount: { amount: string; currencyCode: string };
  convertedAmount: { amount: string; currencyCode: string };
  exchangeRate: string | null;
  spentOn: string;
  description: string;
  tags: string[];
  category: { name: string };
}
interface FinancesData {
  _entities: {
    expenseSettings: { baseCurrencyCode: string; timeZone: string };
    expenseCategories: { id: string; name: string; isDefault: boolean }[];
    expenses: {
      edges: { cursor: string; node: ExpenseNode }[];
      pageInfo: { hasNextPage: boolean; endCursor: string | null };
    };
  }[];
}

describe('expenses', () => {
  let expenses: ExpensesHarness;
  beforeAll(async () => {
    expenses = await startExpenses();
    await recordRate(expenses, 'USD', 'EUR', '2026-01-01', '0.9');
    await recordRate(expenses, 'USD', 'EUR', '2026-03-01', '0.92');
    await recordRate(expenses, 'EUR', 'JPY', '2026-01-01', '160');
  });
  afterAll(() => expenses.stop());

  const finances = (userId: string, variables: Record<string, unknown> = {}, caller = signedIn(userId)) =>
    expenses.graphql<FinancesData>(USER_FINANCES, { representations: [userReference(userId)], ...variables }, caller);
  /** recordExpense's variables for a keyed import of 42.00 EUR rent, with a key of its own. */
  const keyedRentShare = async (userId: string) => ({
    amount: '42.00',
    currencyCode: 'EUR',
    categoryId: await categoryId(expenses, userId, 'Housing'),
    spentOn: '2026-04-01',
    description: 'Rent share',
    idempotencyKey: `import-${randomUUID()}`,
  });

  describe('registration and categories', () => {
    it('gives a registered user the default categories and settings, once even when the event comes twice', async () => {
      const userId = await registeredUser(expenses);
      const [event] = expenses.published('platform.identity.user.registered.v1').filter((e) => e.subject === userId);
      // A redelivery under a new id (a replayed topic) adds nothing either.
      await expenses.publish([{ ...event!, id: randomUUID() }]);
      await eventually(
        async () => (await expenses.db('processed_events').where({ consumer: 'expenses' })).length >= 2,
        'the second delivery to be processed',
      );
      const { body } = await finances(userId);
      expect(body.errors).toBeUndefined();
      const user = body.data!._entities[0]!;
      expect(user.expenseSettings).toEqual({ baseCurrencyCode: 'EUR', timeZone: 'UTC' });
      expect(user.expenseCategories.map((category) => category.name).sort()).toEqual(
        [...DEFAULT_CATEGORY_NAMES].sort(),
      );
      expect(user.expenseCategories.every((category) => category.isDefault)).toBe(true);
    });

    it("forgets a deleted user's finances", async () => {
      const userId = await registeredUser(expenses);
      const keeper = await registeredUser(expenses);
      await spend(expenses, userId, {
        amount: '1.00',
        categoryId: await categoryId(expenses, userId, 'Other'),
        spentOn: '2026-01-05',
      });
      await spend(expenses, keeper, {
        amount: '1.00',
        categoryId: await categoryId(expenses, keeper, 'Other'),
        spentOn: '2026-01-05',
      });
      await expenses.publish([
        userEvent('platform.identity.user.deleted.v1', userId, { reason: null }, { actorId: userId }),
      ]);
      await eventually(
        async () => (await expenses.db('categories').where({ user_id: userId })).length === 0,
        'the categories to go',
      );
      expect(await expenses.db('expenses').where({ user_id: userId })).toHaveLength(0);
      expect(await expenses.db('expense_settings').where({ user_id: userId })).toHaveLength(0);
      expect(await expenses.db('expenses').where({ user_id: keeper })).toHaveLength(1);
    });

    it('creates a category of the user, unique by name whatever the case', async () => {
      const userId = await registeredUser(expenses);
      const created = await expenses.graphql<{ createExpenseCategory: { category: { id: string; name: string } } }>(
        CREATE_CATEGORY,
        { name: '  Pets ' },
        signedIn(userId),
      );
      expect(created.body.data?.createExpenseCategory.category.name).toBe('Pets');
      const again = await expenses.graphql(CREATE_CATEGORY, { name: 'PETS' }, signedIn(userId));
      expect(errorCode(again)).toBe('CONFLICT');
      const groceries = await expenses.graphql(CREATE_CATEGORY, { name: 'groceries' }, signedIn(userId));
      expect(errorCode(groceries)).toBe('CONFLICT');
      // Another user may use the same name.
      const other = await expenses.graphql(CREATE_CATEGORY, { name: 'Pets' }, signedIn(await registeredUser(expenses)));
      expect(other.body.errors).toBeUndefined();
    });

    it('refuses an empty or too long name, and an anonymous caller', async () => {
      const userId = await registeredUser(expenses);
      for (const name of ['   ', 'x'.repeat(51)]) {
        const { body } = await expenses.graphql(CREATE_CATEGORY, { name }, signedIn(userId));
        expect(body.errors?.[0]?.extensions).toMatchObject({
          code: 'BAD_USER_INPUT',
          fields: { 'input.name': expect.any(String) as unknown },
        });
      }
      expect(errorCode(await expenses.graphql(CREATE_CATEGORY, { name: 'Pets' }, anonymous))).toBe('UNAUTHENTICATED');
    });
  });

  describe('recording', () => {
    it('converts into the base currency at the rate of the day (the latest on or before it)', async () => {
      const userId = await registeredUser(expenses);
      const groceries = await categoryId(expenses, userId, 'Groceries');
      const { body } = await expenses.graphql<{ recordExpense: { expense: ExpenseNode } }>(
        RECORD_EXPENSE,
        { amount: '10.01', currencyCode: 'USD', categoryId: groceries, spentOn: '2026-02-28', description: 'Market' },
        signedIn(userId),
      );
      expect(body.errors).toBeUndefined();
      expect(body.data!.recordExpense.expense).toMatchObject({
        amount: { amount: '10.01', currencyCode: 'USD' },
        // 10.01 × 0.9 = 9.009, half to even at 2 decimals.
        convertedAmount: { amount: '9.01', currencyCode: 'EUR' },
        category: { id: groceries, name: 'Groceries' },
        spentOn: '2026-02-28',
      });
      const march = await spend(expenses, userId, {
        amount: '100',
        currencyCode: 'USD',
        categoryId: groceries,
        spentOn: '2026-03-02',
      });
      const stored: unknown = await expenses.db('expenses').where({ id: march }).first();
      expect(stored).toMatchObject({ amount: '100.00', converted_amount: '92.00', exchange_rate: '0.92' });
    });

    it('converts with the inverse rate when only the other direction is recorded, to the target minor unit', async () => {
      const userId = await registeredUser(expenses);
      await expenses.graphql(UPDATE_SETTINGS, { input: { baseCurrencyCode: 'JPY' } }, signedIn(userId));
      const travel = await categoryId(expenses, userId, 'Travel');
      await spend(expenses, userId, {
        amount: '12.34',
        currencyCode: 'EUR',
        categoryId: travel,
        spentOn: '2026-06-01',
      });
      const { body } = await finances(userId, { first: 10 });
      const [node] = body.data!._entities[0]!.expenses.edges.map((edge) => edge.node);
      // 12.34 × 160 = 1974.4, at JPY's 0 decimals.
      expect(node).toMatchObject({ convertedAmount: { amount: '1974', currencyCode: 'JPY' }, exchangeRate: '160' });
      // No USD/JPY rate in either direction: refused, never converted at 1.0.
      const usd = await expenses.graphql(
        RECORD_EXPENSE,
        { amount: '1.00', currencyCode: 'USD', categoryId: travel, spentOn: '2026-06-01', description: 'x' },
        signedIn(userId),
      );
      expect(usd.body.errors?.[0]?.extensions?.fields).toEqual({
        'input.amount.currencyCode': 'no USD/JPY exchange rate on or before 2026-06-01',
      });
    });

    it('refuses an expense without an exchange rate, naming the pair and the day', async () => {
      const userId = await registeredUser(expenses);
      const { body } = await expenses.graphql(
        RECORD_EXPENSE,
        {
          amount: '5.00',
          currencyCode: 'USD',
          categoryId: await categoryId(expenses, userId, 'Other'),
          spentOn: '2025-12-31',
          description: 'Before any rate',
        },
        signedIn(userId),
      );
      expect(errorCode(body)).toBe('BAD_USER_INPUT');
      expect(body.errors?.[0]?.extensions?.fields).toEqual({
        'input.amount.currencyCode': 'no USD/EUR exchange rate on or before 2025-12-31',
      });
      expect(await expenses.db('expenses').where({ user_id: userId })).toHaveLength(0);
    });

    it('lists every bad input at once', async () => {
      const userId = await registeredUser(expenses);
      const { body } = await expenses.graphql(
        RECORD_EXPENSE_WITH_TAGS,
        {
          input: {
            amount: { amount: '12.345', currencyCode: 'EUR' },
            categoryId: randomUUID(),
            spentOn: '2026-01-05',
            description: '',
            tags: ['x'.repeat(51)],
            idempotencyKey: '',
          },
        },
        signedIn(userId),
      );
      expect(errorCode(body)).toBe('BAD_USER_INPUT');
      expect(body.errors?.[0]?.extensions?.fields).toEqual({
        'input.amount.amount': 'EUR has 2 decimals; "12.345" has more',
        'input.description': 'must not be empty',
        'input.tags': 'each tag must be 1 to 50 characters',
        'input.idempotencyKey': 'must not be empty',
        'input.categoryId': 'is not one of your categories',
      });
      for (const [amount, currencyCode, field, problem] of [
        ['0.00', 'EUR', 'input.amount.amount', 'must be more than zero'],
        ['-1', 'EUR', 'input.amount.amount', 'must not be negative'],
        ['1', 'XYZ', 'input.amount.currencyCode', 'XYZ is not an ISO 4217 currency code'],
      ] as const) {
        const result = await expenses.graphql(
          RECORD_EXPENSE,
          {
            amount,
            currencyCode,
            categoryId: await categoryId(expenses, userId, 'Other'),
            spentOn: '2026-01-05',
            description: 'x',
          },
          signedIn(userId),
        );
        expect(result.body.errors?.[0]?.extensions?.fields).toEqual({ [field]: problem });
      }
      const float = await expenses.graphql(
        RECORD_EXPENSE,
        { amount: 0.1, currencyCode: 'EUR', categoryId: randomUUID(), spentOn: '2026-01-05', description: 'x' },
        signedIn(userId),
      );
      expect(errorCode(float)).toBe('BAD_USER_INPUT');
    });

    it("refuses another user's category", async () => {
      const owner = await registeredUser(expenses);
      const intruder = await registeredUser(expenses);
      const { body } = await expenses.graphql(
        RECORD_EXPENSE,
        {
          amount: '1.00',
          currencyCode: 'EUR',
          categoryId: await categoryId(expenses, owner, 'Other'),
          spentOn: '2026-01-05',
          description: 'x',
        },
        signedIn(intruder),
      );
      expect(body.errors?.[0]?.extensions?.fields).toEqual({ 'input.categoryId': 'is not one of your categories' });
    });

    it('records a retried import once: the same key returns the first expense, also when both arrive together', async () => {
      const userId = await registeredUser(expenses);
      const variables = await keyedRentShare(userId);
      const results = await Promise.all(
        [1, 2, 3].map(() =>
          expenses.graphql<{ recordExpense: { expense: { id: string } } }>(RECORD_EXPENSE, variables, signedIn(userId)),
        ),
      );
      const ids = new Set(results.map((result) => result.body.data?.recordExpense.expense.id));
      expect(ids.size).toBe(1);
      expect(await expenses.db('expenses').where({ user_id: userId })).toHaveLength(1);
      const [id] = [...ids];
      await eventually(() => expenses.published('platform.expenses.expense.created.v1').some((e) => e.subject === id));
      expect(expenses.published('platform.expenses.expense.created.v1').filter((e) => e.subject === id)).toHaveLength(
        1,
      );

      const different = await expenses.graphql(RECORD_EXPENSE, { ...variables, amount: '43.00' }, signedIn(userId));
      expect(different.body.errors?.[0]?.extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        fields: { 'input.idempotencyKey': expect.stringMatching(/different expense/) as unknown },
      });
      // The key is the user's own: another user's same key records their own expense.
      const other = await registeredUser(expenses);
      const theirs = await expenses.graphql(
        RECORD_EXPENSE,
        { ...variables, categoryId: await categoryId(expenses, other, 'Housing') },
        signedIn(other),
      );
      expect(theirs.body.errors).toBeUndefined();
    });

    it('answers a retry with what the first request answered, even after the expense changed', async () => {
      const userId = await registeredUser(expenses);
      const variables = await keyedRentShare(userId);
      const first = await expenses.graphql<{ recordExpense: { expense: { id: string } } }>(
        RECORD_EXPENSE,
        variables,
        signedIn(userId),
      );
      const id = first.body.data!.recordExpense.expense.id;
      const change = {
        id,
        amount: { amount: '50.00', currencyCode: 'EUR' },
        categoryId: await categoryId(expenses, userId, 'Other'),
        spentOn: '2026-04-02',
      };
      expect(errorCode(await expenses.graphql(UPDATE_EXPENSE, { input: change }, signedIn(userId)))).toBeUndefined();

      // The expense is 50.00 in Other on the 2nd now; the key still answers as it did.
      const retried = await expenses.graphql(RECORD_EXPENSE, variables, signedIn(userId));
      expect(retried.body).toEqual(first.body);
      expect(first.body.data!.recordExpense.expense).toMatchObject({
        amount: { amount: '42.00', currencyCode: 'EUR' },
        spentOn: '2026-04-01',
      });
      expect(await expenses.db('expenses').where({ user_id: userId })).toHaveLength(1);
    });

    it('publishes expense.created with both amounts and no private notes', async () => {
      const userId = await registeredUser(expenses);
      const id = await spend(expenses, userId, {
        amount: '20.00',
        currencyCode: 'USD',
        categoryId: await categoryId(expenses, userId, 'Health'),
        spentOn: '2026-03-15',
        description: 'Pharmacy',
      });
      const event = await eventually(() =>
        expenses.published('platform.expenses.expense.created.v1').find((e) => e.subject === id),
      );
      expect(event.data).toMatchObject({
        actorId: userId,
        userId,
        target: { type: 'expense', id },
        expense: {
          id,
          amount: { amount: '20.00', currencyCode: 'USD' },
          convertedAmount: { amount: '18.40', currencyCode: 'EUR' },
        },
      });
      expect(JSON.stringify(event.data)).not.toContain('Pharmacy');
    });
  });

  describe('changing', () => {
    it('updates an expense, converting again, and deletes it; both only for its owner', async () => {
      const userId = await registeredUser(expenses);
      const id = await spend(expenses, userId, {
        amount: '10.00',
        categoryId: await categoryId(expenses, userId, 'Other'),
        spentOn: '2026-03-15',
      });
      const stranger = signedIn(await registeredUser(expenses));
      expect(
        errorCode(await expenses.graphql(UPDATE_EXPENSE, { input: { id, description: 'mine now' } }, stranger)),
      ).toBe('NOT_FOUND');
      expect(errorCode(await expenses.graphql(DELETE_EXPENSE, { id }, stranger))).toBe('NOT_FOUND');

      const updated = await expenses.graphql<{ updateExpense: { expense: ExpenseNode } }>(
        UPDATE_EXPENSE,
        { input: { id, amount: { amount: '50', currencyCode: 'USD' }, tags: ['Work', 'work', 'trip'] } },
        signedIn(userId),
      );
      expect(updated.body.data?.updateExpense.expense).toMatchObject({
        amount: { amount: '50.00', currencyCode: 'USD' },
        convertedAmount: { amount: '46.00', currencyCode: 'EUR' },
        description: 'Something',
        tags: ['trip', 'work'],
      });
      await eventually(() => expenses.published('platform.expenses.expense.updated.v1').some((e) => e.subject === id));

      const deleted = await expenses.graphql(DELETE_EXPENSE, { id }, signedIn(userId));
      expect(deleted.body.data).toEqual({ deleteExpense: { deletedExpenseId: id } });
      expect(await expenses.db('expenses').where({ id })).toHaveLength(0);
      await eventually(() => expenses.published('platform.expenses.expense.deleted.v1').some((e) => e.subject === id));
      expect(errorCode(await expenses.graphql(DELETE_EXPENSE, { id }, signedIn(userId)))).toBe('NOT_FOUND');
    });

    it('refuses an unknown base currency or time zone', async () => {
      const userId = await registeredUser(expenses);
      const { body } = await expenses.graphql(
        UPDATE_SETTINGS,
        { input: { baseCurrencyCode: 'EURO', timeZone: 'Mars/Olympus' } },
        signedIn(userId),
      );
      expect(body.errors?.[0]?.extensions?.fields).toEqual({
        'input.baseCurrencyCode': 'EURO is not an ISO 4217 currency code',
        'input.timeZone': 'Mars/Olympus is not an IANA time zone such as Europe/Berlin',
      });
    });
  });

  describe('exchange rates', () => {
    it('needs expenses.exchange-rate.write, and refuses bad pairs and rates', async () => {
      const variables = { base: 'GBP', quote: 'EUR', date: '2026-01-01', rate: '1.15' };
      expect(errorCode(await expenses.graphql(RECORD_RATE, variables, signedIn(randomUUID())))).toBe('FORBIDDEN');
      const writer = signedIn(randomUUID(), [Permission.ExpensesExchangeRateWrite]);
      const recorded = await expenses.graphql(RECORD_RATE, variables, writer);
      expect(recorded.body.data).toEqual({
        recordExchangeRate: {
          exchangeRate: { baseCurrencyCode: 'GBP', quoteCurrencyCode: 'EUR', date: '2026-01-01', rate: '1.15' },
        },
      });
      const bad = await expenses.graphql(
        RECORD_RATE,
        { base: 'EUR', quote: 'EUR', date: '2026-01-01', rate: '0' },
        writer,
      );
      expect(bad.body.errors?.[0]?.extensions?.fields).toEqual({
        'input.quoteCurrencyCode': 'must differ from the base currency',
        'input.rate': 'must be more than zero',
      });
    });
  });

  describe('listing', () => {
    it('pages through expenses newest first, filtered by category, dates and tag', async () => {
      const userId = await registeredUser(expenses);
      const food = await categoryId(expenses, userId, 'Groceries');
      const fun = await categoryId(expenses, userId, 'Entertainment');
      for (const [day, category, tags] of [
        ['2026-05-01', food, ['weekly']],
        ['2026-05-02', fun, []],
        ['2026-05-03', food, ['weekly']],
        ['2026-05-04', food, []],
        ['2026-05-05', fun, ['weekly']],
      ] as const) {
        await expenses.graphql(
          RECORD_EXPENSE_WITH_TAGS,
          {
            input: {
              amount: { amount: '1.00', currencyCode: 'EUR' },
              categoryId: category,
              spentOn: day,
              description: day,
              tags,
            },
          },
          signedIn(userId),
        );
      }
      const days: string[] = [];
      let after: string | null = null;
      for (;;) {
        const { body } = await finances(userId, { first: 2, after });
        const page = body.data!._entities[0]!.expenses;
        days.push(...page.edges.map((edge) => edge.node.spentOn));
        if (!page.pageInfo.hasNextPage) break;
        after = page.pageInfo.endCursor;
      }
      expect(days).toEqual(['2026-05-05', '2026-05-04', '2026-05-03', '2026-05-02', '2026-05-01']);

      const filtered = await finances(userId, {
        filter: { categoryId: food, from: '2026-05-02', to: '2026-05-04', tag: 'WEEKLY' },
      });
      expect(filtered.body.data!._entities[0]!.expenses.edges.map((edge) => edge.node.spentOn)).toEqual(['2026-05-03']);

      expect(errorCode(await finances(userId, { after: 'bm90LWEtY3Vyc29y' }))).toBe('BAD_USER_INPUT');
      expect(errorCode(await finances(userId, { first: 101 }))).toBe('BAD_USER_INPUT');
    });
  });

  describe('reports', () => {
    it('totals by category and month in the base currency, each expense at its own day', async () => {
      const userId = await registeredUser(expenses);
      const food = await categoryId(expenses, userId, 'Groceries');
      const rent = await categoryId(expenses, userId, 'Housing');
      await spend(expenses, userId, { amount: '10.00', currencyCode: 'USD', categoryId: food, spentOn: '2026-02-10' });
      await spend(expenses, userId, { amount: '0.10', categoryId: food, spentOn: '2026-03-01' });
      await spend(expenses, userId, { amount: '0.20', categoryId: food, spentOn: '2026-03-31' });
      await spend(expenses, userId, { amount: '500.00', categoryId: rent, spentOn: '2026-03-05' });
      await spend(expenses, userId, { amount: '999.00', categoryId: rent, spentOn: '2026-04-01' });
      const { body } = await expenses.graphql(
        USER_REPORT,
        { representations: [userReference(userId)], from: '2026-02-01', to: '2026-03-31' },
        signedIn(userId),
      );
      expect(body.errors).toBeUndefined();
      expect((body.data as { _entities: unknown[] })._entities[0]).toEqual({
        expenseReport: {
          total: { amount: '509.30', currencyCode: 'EUR' },
          byCategory: [
            { category: { name: 'Housing' }, total: { amount: '500.00', currencyCode: 'EUR' } },
            { category: { name: 'Groceries' }, total: { amount: '9.30', currencyCode: 'EUR' } },
          ],
          byMonth: [
            { month: '2026-02', total: { amount: '9.00', currencyCode: 'EUR' } },
            { month: '2026-03', total: { amount: '500.30', currencyCode: 'EUR' } },
          ],
        },
      });
      const backwards = await expenses.graphql(
        USER_REPORT,
        { representations: [userReference(userId)], from: '2026-03-01', to: '2026-02-01' },
        signedIn(userId),
      );
      expect(backwards.body.errors?.[0]?.extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        fields: { to: 'must not be before from' },
      });
    });
  });

  describe('who may read', () => {
    it('refuses other users, admins included, without expenses.support.read', async () => {
      const owner = await registeredUser(expenses);
      const admin = signedIn(randomUUID(), [
        Permission.IdentityUserRead,
        Permission.AuthzRoleRead,
        Permission.ExpensesExchangeRateWrite,
      ]);
      const { body } = await finances(owner, {}, admin);
      expect(body.errors?.map((error) => error.extensions?.code)).toContain('FORBIDDEN');
      const report = await expenses.graphql(
        USER_REPORT,
        { representations: [userReference(owner)], from: '2026-01-01', to: '2026-12-31' },
        admin,
      );
      expect(errorCode(report)).toBe('FORBIDDEN');
    });

    it('lets finance support read, recording every read as an event the audit log keeps', async () => {
      const owner = await registeredUser(expenses);
      const supportId = randomUUID();
      const support = signedIn(supportId, [Permission.ExpensesSupportRead]);
      const { body } = await expenses.graphql(
        USER_REPORT,
        { representations: [userReference(owner)], from: '2026-01-01', to: '2026-12-31' },
        support,
      );
      expect(body.errors).toBeUndefined();
      const event = await eventually(() =>
        expenses.published('platform.expenses.support_access.recorded.v1').find((e) => e.subject === owner),
      );
      expect(event.data).toMatchObject({
        actorId: supportId,
        userId: owner,
        target: { type: 'user', id: owner },
        field: 'User.expenseReport',
        outcome: 'success',
      });
      // The owner's own reads are not support reads.
      await finances(owner);
      await expenses.graphql(EXPENSE_REPORT, { from: '2026-01-01', to: '2026-01-02' }, signedIn(owner));
      expect(
        expenses.published('platform.expenses.support_access.recorded.v1').filter((e) => e.subject === owner),
      ).toHaveLength(1);
    });

    it('resolves references to expenses and budgets for their owner and finance support only', async () => {
      const owner = await registeredUser(expenses);
      const food = await categoryId(expenses, owner, 'Groceries');
      const today = new Date().toISOString().slice(0, 10);
      const expenseId = await spend(expenses, owner, {
        amount: '12.50',
        categoryId: food,
        spentOn: today,
        description: 'Bread',
      });
      const budget = await expenses.graphql<{ setBudget: { budget: { id: string } } }>(
        SET_BUDGET,
        { categoryId: food, period: 'MONTHLY', limit: '100.00', currencyCode: 'EUR' },
        signedIn(owner),
      );
      const budgetId = budget.body.data!.setBudget.budget.id;
      const representations = [
        { __typename: 'Expense', id: expenseId },
        { __typename: 'Budget', id: budgetId },
        { __typename: 'Expense', id: randomUUID() },
        { __typename: 'Budget', id: 'not-a-uuid' },
      ];
      const resolved = [
        { id: expenseId, description: 'Bread', amount: { amount: '12.50', currencyCode: 'EUR' } },
        {
          id: budgetId,
          limit: { amount: '100.00', currencyCode: 'EUR' },
          spent: { amount: '12.50', currencyCode: 'EUR' },
        },
        null,
        null,
      ];

      const own = await expenses.graphql(ENTITY_REFERENCES, { representations }, signedIn(owner));
      expect(own.body).toEqual({ data: { _entities: resolved } });

      const stranger = await expenses.graphql<{ _entities: unknown[] }>(
        ENTITY_REFERENCES,
        { representations },
        signedIn(randomUUID(), [Permission.IdentityUserRead]),
      );
      expect(stranger.body.data!._entities).toEqual([null, null, null, null]);
      expect(stranger.body.errors!.map((error) => [error.path, error.extensions?.code])).toEqual([
        [['_entities', 0], 'FORBIDDEN'],
        [['_entities', 1], 'FORBIDDEN'],
      ]);

      const supportId = randomUUID();
      const support = await expenses.graphql(
        ENTITY_REFERENCES,
        { representations },
        signedIn(supportId, [Permission.ExpensesSupportRead]),
      );
      expect(support.body).toEqual({ data: { _entities: resolved } });
      const reads = await eventually(() => {
        const found = expenses
          .published('platform.expenses.support_access.recorded.v1')
          .filter((e) => e.subject === owner);
        return found.length === 2 && found;
      });
      expect(reads.map((e) => [e.data.actorId, e.data.field]).sort()).toEqual([
        [supportId, 'Budget.id'],
        [supportId, 'Expense.id'],
      ]);
    });
  });
});
