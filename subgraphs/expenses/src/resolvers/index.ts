/** The expenses subgraph's resolver map: one file per mutation, assembled here. */
import { DateScalar, DateTime, DecimalScalar } from '@platform/service-kit';
import type { Resolvers } from '../__generated__/resolvers-types.js';
import { createExpenseCategory } from './Mutation/createExpenseCategory.js';
import { createRecurringExpense } from './Mutation/createRecurringExpense.js';
import { deleteExpense } from './Mutation/deleteExpense.js';
import { recordExchangeRate } from './Mutation/recordExchangeRate.js';
import { recordExpense } from './Mutation/recordExpense.js';
import { setBudget } from './Mutation/setBudget.js';
import { updateExpense } from './Mutation/updateExpense.js';
import { updateExpenseSettings } from './Mutation/updateExpenseSettings.js';
import { Budget, CategoryTotal, ExchangeRate, Expense, Money, RecurringExpense } from './types.js';
import { User } from './User.js';

export const resolvers: Resolvers = {
  Decimal: DecimalScalar,
  Date: DateScalar,
  DateTime,
  Mutation: {
    createExpenseCategory,
    recordExpense,
    updateExpense,
    deleteExpense,
    setBudget,
    createRecurringExpense,
    updateExpenseSettings,
    recordExchangeRate,
  },
  User,
  Money,
  Expense,
  RecurringExpense,
  Budget,
  CategoryTotal,
  ExchangeRate,
};
