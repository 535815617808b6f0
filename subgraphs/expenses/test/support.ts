/**
 * What expenses' tests share: the subgraph started through the kit's harness (the recurring
 * timer off: tests call the job themselves), registered users with their default categories,
 * rates recorded by a rate writer, and the operations they send.
 */
import { randomUUID } from 'node:crypto';
import { Permission } from '@platform/service-kit';
import {
  contractOperation,
  eventually,
  signedIn,
  startSubgraph,
  userEvent,
  type StartSubgraphOptions,
  type SubgraphHarness,
} from '@platform/devkit/testing';
import { expensesSubgraph } from '../src/subgraph.js';

export type ExpensesHarness = SubgraphHarness<typeof expensesSubgraph>;

export function startExpenses(options: StartSubgraphOptions<typeof expensesSubgraph> = {}): Promise<ExpensesHarness> {
  return startSubgraph(expensesSubgraph, {
    ...options,
    // No workers or schedules: a test materializes recurring expenses itself, at the time it chooses.
    env: { JOBS_ENABLED: 'false', ...options.env },
  });
}

export const CREATE_CATEGORY = contractOperation('CreateExpenseCategory');
export const RECORD_EXPENSE = contractOperation('RecordExpense');
export const SET_BUDGET = contractOperation('SetBudget');
export const BUDGET_STATUS = contractOperation('BudgetStatus');
export const EXPENSE_REPORT = contractOperation('ExpenseReport');

// Not in the client contract: the rest of the app's finance screens, restated.
export const USER_FINANCES = /* GraphQL */ `
  query ($representations: [_Any!]!, $first: Int, $after: String, $filter: ExpenseFilter) {
    _entities(representations: $representations) {
      ... on User {
        id
        expenseSettings {
          baseCurrencyCode
          timeZone
        }
        expenseCategories {
          id
          name
          isDefault
        }
        expenses(first: $first, after: $after, filter: $filter) {
          edges {
            cursor
            node {
              id
              amount {
                amount
                currencyCode
              }
              convertedAmount {
                amount
                currencyCode
              }
              exchangeRate
              spentOn
              description
              tags
              category {
                name
              }
              recurringExpense {
                id
              }
            }
          }
          pageInfo {
            hasNextPage
            endCursor
          }
        }
      }
    }
  }
`;

export const USER_BUDGETS = /* GraphQL */ `
  query ($representations: [_Any!]!) {
    _entities(representations: $representations) {
      ... on User {
        budgets {
          id
          period
          periodStart
          periodEnd
          alertThresholdsPercent
          category {
            id
          }
          limit {
            amount
            currencyCode
          }
          spent {
            amount
            currencyCode
          }
          remaining {
            amount
            currencyCode
          }
          percentUsed
          exceeded
        }
      }
    }
  }
`;

export const USER_REPORT = /* GraphQL */ `
  query ($representations: [_Any!]!, $from: Date!, $to: Date!) {
    _entities(representations: $representations) {
      ... on User {
        expenseReport(from: $from, to: $to) {
          total {
            amount
            currencyCode
          }
          byCategory {
            category {
              name
            }
            total {
              amount
              currencyCode
            }
          }
          byMonth {
            month
            total {
              amount
              currencyCode
            }
          }
        }
      }
    }
  }
`;

/** Expenses and budgets as another subgraph (through the gateway) refers to them. */
export const ENTITY_REFERENCES = /* GraphQL */ `
  query ($representations: [_Any!]!) {
    _entities(representations: $representations) {
      ... on Expense {
        id
        description
        amount {
          amount
          currencyCode
        }
      }
      ... on Budget {
        id
        limit {
          amount
          currencyCode
        }
        spent {
          amount
          currencyCode
        }
      }
    }
  }
`;

export const UPDATE_SETTINGS = /* GraphQL */ `
  mutation ($input: UpdateExpenseSettingsInput!) {
    updateExpenseSettings(input: $input) {
      settings {
        baseCurrencyCode
        timeZone
      }
    }
  }
`;

export const RECORD_RATE = /* GraphQL */ `
  mutation ($base: String!, $quote: String!, $date: Date!, $rate: Decimal!) {
    recordExchangeRate(input: { baseCurrencyCode: $base, quoteCurrencyCode: $quote, date: $date, rate: $rate }) {
      exchangeRate {
        baseCurrencyCode
        quoteCurrencyCode
        date
        rate
      }
    }
  }
`;

export const UPDATE_EXPENSE = /* GraphQL */ `
  mutation ($input: UpdateExpenseInput!) {
    updateExpense(input: $input) {
      expense {
        id
        amount {
          amount
          currencyCode
        }
        convertedAmount {
          amount
          currencyCode
        }
        spentOn
        description
        tags
      }
    }
  }
`;

export const DELETE_EXPENSE = /* GraphQL */ `
  mutation ($id: ID!) {
    deleteExpense(input: { id: $id }) {
      deletedExpenseId
    }
  }
`;

export const CREATE_RECURRING = /* GraphQL */ `
  mutation ($input: CreateRecurringExpenseInput!) {
    createRecurringExpense(input: $input) {
      recurringExpense {
        id
        frequency
        dayOfMonth
        weekendPolicy
        startsOn
        endsOn
      }
    }
  }
`;

export const RECORD_EXPENSE_WITH_TAGS = /* GraphQL */ `
  mutation ($input: RecordExpenseInput!) {
    recordExpense(input: $input) {
      expense {
        id
        spentOn
        tags
      }
    }
  }
`;

export function userReference(id: string) {
  return { __typename: 'User', id };
}

/** Someone allowed to record exchange rates. */
export const rateWriter = signedIn(randomUUID(), [Permission.ExpensesExchangeRateWrite]);

/** A user registered through identity's event, once their default categories exist; answers their id. */
export async function registeredUser(expenses: ExpensesHarness): Promise<string> {
  const userId = randomUUID();
  await expenses.publish([
    userEvent(
      'platform.identity.user.registered.v1',
      userId,
      { email: `user-${userId.slice(0, 8)}@example.com`, name: 'A new user', emailVerified: false },
      { actorId: null },
    ),
  ]);
  await eventually(
    async () => (await expenses.db('categories').where({ user_id: userId })).length > 0,
    'the default categories',
  );
  return userId;
}

/** The id of the user's category named `name`. */
export async function categoryId(expenses: ExpensesHarness, userId: string, name: string): Promise<string> {
  const row = await expenses
    .db<{ id: string; user_id: string; name: string }>('categories')
    .where({ user_id: userId, name })
    .first('id');
  if (!row) throw new Error(`${userId} has no category ${name}`);
  return row.id;
}

/** Records an expense as `userId`, failing the test on any error; answers its id. */
export async function spend(
  expenses: ExpensesHarness,
  userId: string,
  input: { amount: string; currencyCode?: string; categoryId: string; spentOn: string; description?: string },
): Promise<string> {
  const { body } = await expenses.graphql<{ recordExpense: { expense: { id: string } } }>(
    RECORD_EXPENSE,
    { currencyCode: 'EUR', description: 'Something', ...input },
    signedIn(userId),
  );
  if (!body.data?.recordExpense) throw new Error(`recordExpense failed: ${JSON.stringify(body.errors)}`);
  return body.data.recordExpense.expense.id;
}

export async function recordRate(expenses: ExpensesHarness, base: string, quote: string, date: string, rate: string) {
  const { body } = await expenses.graphql(RECORD_RATE, { base, quote, date, rate }, rateWriter);
  if (body.errors) throw new Error(`recordExchangeRate failed: ${JSON.stringify(body.errors)}`);
}
