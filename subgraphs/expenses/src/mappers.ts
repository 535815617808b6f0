/**
 * What resolvers pass around for each GraphQL type, where it differs from the schema type.
 * Codegen turns every `export … <Type>Model` here into a mapper.
 */
import type { ExchangeRate, Money } from '@platform/service-kit';

export interface ExpenseCategoryModel {
  id: string;
  userId: string;
  name: string;
  isDefault: boolean;
}

export interface ExpenseModel {
  id: string;
  userId: string;
  categoryId: string;
  amount: Money;
  convertedAmount: Money;
  exchangeRate: string | null;
  spentOn: string;
  description: string;
  tags: string[];
  recurringExpenseId: string | null;
  createdAt: Date;
}

export interface RecurringExpenseModel {
  id: string;
  userId: string;
  categoryId: string;
  amount: Money;
  description: string;
  tags: string[];
  frequency: 'WEEKLY' | 'MONTHLY_ON_DAY' | 'MONTHLY_LAST_DAY' | 'YEARLY';
  dayOfMonth: number | null;
  weekendPolicy: 'KEEP' | 'PREVIOUS_BUSINESS_DAY' | 'NEXT_BUSINESS_DAY';
  startsOn: string;
  endsOn: string | null;
  materializedThrough: string | null;
}

/** A budget with its state in one period (the current one, unless said otherwise). */
export interface BudgetModel {
  id: string;
  userId: string;
  categoryId: string;
  period: 'WEEKLY' | 'MONTHLY' | 'YEARLY';
  limit: Money;
  alertThresholdsPercent: number[];
  periodStart: string;
  periodEnd: string;
  spent: Money;
}

/** A user as expenses knows one: the id. */
export interface UserModel {
  id: string;
}

/** Money as the kit's value object; the `Money` resolver writes it at its currency's minor unit. */
export type MoneyModel = Money;

/** A category's total in a report; the category is loaded per request. */
export interface CategoryTotalModel {
  categoryId: string;
  total: Money;
}

/** A report as the service computed it. */
export interface ExpenseReportModel {
  from: string;
  to: string;
  total: Money;
  byCategory: CategoryTotalModel[];
  byMonth: { month: string; total: Money }[];
}

/** A recorded rate as the kit describes one. */
export type ExchangeRateModel = ExchangeRate;
