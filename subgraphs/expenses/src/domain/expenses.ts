/**
 * The expenses service: every change of the subgraph, each in one transaction with its events
 * (ADR 0002), and the reads that compute (budget states, reports). Resolvers check who may act
 * and hand the input here; input problems come back as one BAD_USER_INPUT listing every field.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Money } from '@platform/service-kit';
import {
  badUserInput,
  calendarDateIn,
  convert,
  Decimal,
  InputProblems,
  isCurrencyCode,
  isTimeZone,
  MissingExchangeRateError,
  notFound,
  conflict,
  parseDecimal,
  type CalendarDate,
  type Database,
} from '@platform/service-kit';
import { enqueue } from '@platform/service-kit/events';
import type { Knex } from 'knex';
import type { BudgetModel, ExpenseCategoryModel, ExpenseModel, RecurringExpenseModel } from '../mappers.js';
import { createStores, type Stores } from '../stores/index.js';
import type { ExpenseFilter, ExpensePosition, StoredExpense } from '../stores/expense-store.js';
import { CategoryNameTakenError, type ExpenseSettings } from '../stores/user-store.js';
import { budgetState, DEFAULT_THRESHOLDS_PERCENT, raiseBudgetAlerts } from './budgets.js';
import { daysBetween } from './calendar.js';
import { expenseDeleted, expenseEvent, type Actor } from './events.js';
import type { BudgetPeriod } from './periods.js';
import type { RecurrenceFrequency, WeekendPolicy } from './recurrence.js';
import { sumOf, totalsIn } from './totals.js';
import { isUuid, normaliseTags, positiveMoney, textProblem } from './validation.js';

/** The categories every user starts with. */
export const DEFAULT_CATEGORY_NAMES = [
  'Groceries',
  'Housing',
  'Utilities',
  'Transport',
  'Health',
  'Dining out',
  'Entertainment',
  'Shopping',
  'Travel',
  'Other',
] as const;

/** The longest report range: about ten years of days, which bounds the work one query causes. */
const MAX_REPORT_DAYS = 3660;
const MAX_THRESHOLDS = 10;

export interface MoneyInput {
  amount: string;
  currencyCode: string;
}

export interface ExpenseInput {
  amount: MoneyInput;
  categoryId: string;
  spentOn: CalendarDate;
  description: string;
  tags?: readonly string[] | null;
  idempotencyKey?: string | null;
}

export interface ExpenseChange {
  id: string;
  amount?: MoneyInput | null;
  categoryId?: string | null;
  spentOn?: CalendarDate | null;
  description?: string | null;
  tags?: readonly string[] | null;
}

export interface RecurringInput {
  amount: MoneyInput;
  categoryId: string;
  description: string;
  tags?: readonly string[] | null;
  frequency: RecurrenceFrequency;
  dayOfMonth?: number | null;
  weekendPolicy?: WeekendPolicy | null;
  startsOn: CalendarDate;
  endsOn?: CalendarDate | null;
}

export interface Report {
  from: CalendarDate;
  to: CalendarDate;
  total: Money;
  byCategory: { categoryId: string; total: Money }[];
  byMonth: { month: string; total: Money }[];
}

/** What a new expense is, checked and converted, before it is stored. */
export interface ExpenseDraft {
  userId: string;
  categoryId: string;
  amount: Money;
  spentOn: CalendarDate;
  description: string;
  tags: string[];
  idempotencyKey: string | null;
  recurring: { id: string; occurrenceOn: CalendarDate } | null;
}

function fingerprint(draft: ExpenseDraft): string {
  const { amount, categoryId, spentOn, description, tags } = draft;
  return createHash('sha256')
    .update(
      JSON.stringify([amount.format(), amount.currencyCode, categoryId.toLowerCase(), spentOn, description, tags]),
    )
    .digest('hex');
}

/** A missing rate is the client's to fix (record it): BAD_USER_INPUT naming the pair and the day. */
async function withRateProblem<T>(field: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof MissingExchangeRateError) {
      throw badUserInput({ [field]: error.message }, `Missing exchange rate: ${error.message}`);
    }
    throw error;
  }
}

/** `amount` in `currencyCode` at the rate of `day`, and the rate used (null when none was needed). */
async function conversion(
  stores: Stores,
  amount: Money,
  currencyCode: string,
  day: CalendarDate,
): Promise<{ converted: Money; rate: string | null }> {
  if (amount.currencyCode === currencyCode) return { converted: amount, rate: null };
  const converted = await convert(amount, currencyCode, day, stores.rates);
  const direct = await stores.rates.rateOn(amount.currencyCode, currencyCode, day);
  const inverse = direct ? null : await stores.rates.rateOn(currencyCode, amount.currencyCode, day);
  const rate = direct ? direct.rate : new Decimal(1).dividedBy(inverse!.rate);
  return { converted, rate: rate.toSignificantDigits(20).toFixed() };
}

export type ExpensesService = ReturnType<typeof createExpensesService>;

export function createExpensesService(options: { db: Database; defaults: ExpenseSettings }) {
  const { db, defaults } = options;
  const stores = createStores(db);
  const transaction = <T>(work: (trx: Knex.Transaction, stores: Stores) => Promise<T>) =>
    db.transaction((trx) => work(trx, createStores(trx)));

  /** The user's settings row and default categories, created the first time either is needed. */
  async function ensureUser(on: Stores, userId: string): Promise<ExpenseSettings> {
    const settings = await on.users.ensureSettings(userId, defaults);
    await on.users.addDefaultCategories(userId, DEFAULT_CATEGORY_NAMES);
    return settings;
  }

  async function ownCategory(on: Stores, userId: string, id: string): Promise<ExpenseCategoryModel | null> {
    if (!isUuid(id)) return null;
    const [category] = await on.users.categoriesByIds([id]);
    return category && category.userId === userId ? category : null;
  }

  /** Stores a checked expense with its event and alerts; on a repeated idempotency key, what the first request answered. */
  async function addExpense(trx: Knex.Transaction, on: Stores, actor: Actor, draft: ExpenseDraft) {
    const settings = await ensureUser(on, draft.userId);
    const requestFingerprint = draft.idempotencyKey ? fingerprint(draft) : null;
    const sameKey = async () => {
      const first = draft.idempotencyKey
        ? await on.expenses.findByIdempotencyKey(draft.userId, draft.idempotencyKey)
        : null;
      if (first && first.requestFingerprint !== requestFingerprint) {
        throw badUserInput(
          { 'input.idempotencyKey': 'was used for a different expense: use a new key for a new expense' },
          'This idempotency key was used for a different expense',
        );
      }
      return first;
    };
    const earlier = await sameKey();
    if (earlier) return { expense: earlier, created: false };
    const { converted, rate } = await withRateProblem('input.amount.currencyCode', () =>
      conversion(on, draft.amount, settings.baseCurrencyCode, draft.spentOn),
    );
    const inserted = await on.expenses.insert({
      ...draft,
      id: randomUUID(),
      convertedAmount: converted,
      exchangeRate: rate,
      requestFingerprint,
    });
    // Another request with the same key (or the same occurrence) committed first.
    if (!inserted) {
      const first = draft.recurring ? null : await sameKey();
      return { expense: first, created: false };
    }
    await enqueue(trx, expenseEvent('platform.expenses.expense.created.v1', actor, inserted));
    await withRateProblem('input.amount.currencyCode', () =>
      raiseBudgetAlerts(trx, on, actor, [inserted.categoryId], [inserted.spentOn]),
    );
    return { expense: draft.idempotencyKey ? await on.expenses.completeKey(inserted.id) : inserted, created: true };
  }

  async function checkExpense(userId: string, input: ExpenseInput, problems: InputProblems) {
    const amount = positiveMoney(problems, 'amount', input.amount);
    problems.add('description', textProblem(input.description, 1, 500));
    const { tags, problem } = normaliseTags(input.tags);
    problems.add('tags', problem);
    if (input.idempotencyKey != null) problems.add('idempotencyKey', textProblem(input.idempotencyKey, 1, 200));
    const category = await ownCategory(stores, userId, input.categoryId);
    if (!category) problems.add('categoryId', 'is not one of your categories');
    return { amount, tags, category };
  }

  return {
    stores,
    ensureUser: (userId: string) => transaction((_trx, on) => ensureUser(on, userId)),

    async settingsOf(userId: string): Promise<ExpenseSettings> {
      return (await stores.users.settings(userId)) ?? defaults;
    },

    async updateSettings(userId: string, input: { baseCurrencyCode?: string | null; timeZone?: string | null }) {
      const problems = new InputProblems('input');
      if (input.baseCurrencyCode != null && !isCurrencyCode(input.baseCurrencyCode)) {
        problems.add('baseCurrencyCode', `${input.baseCurrencyCode} is not an ISO 4217 currency code`);
      }
      if (input.timeZone != null && !isTimeZone(input.timeZone)) {
        problems.add('timeZone', `${input.timeZone} is not an IANA time zone such as Europe/Berlin`);
      }
      problems.throwIfAny();
      return transaction(async (_trx, on) => {
        const current = await ensureUser(on, userId);
        const next = {
          baseCurrencyCode: input.baseCurrencyCode ?? current.baseCurrencyCode,
          timeZone: input.timeZone ?? current.timeZone,
        };
        await on.users.saveSettings(userId, next);
        return next;
      });
    },

    async createCategory(userId: string, name: string): Promise<ExpenseCategoryModel> {
      const problems = new InputProblems('input');
      problems.add('name', textProblem(name, 1, 50));
      problems.throwIfAny();
      await this.ensureUser(userId);
      try {
        return await stores.users.createCategory(userId, name.trim());
      } catch (error) {
        if (error instanceof CategoryNameTakenError)
          throw conflict(`You already have a category named "${name.trim()}"`);
        throw error;
      }
    },

    async recordExpense(actor: Actor & { userId: string }, input: ExpenseInput): Promise<ExpenseModel> {
      const problems = new InputProblems('input');
      const { amount, tags } = await checkExpense(actor.userId, input, problems);
      problems.throwIfAny();
      const draft: ExpenseDraft = {
        userId: actor.userId,
        categoryId: input.categoryId.toLowerCase(),
        amount: amount!,
        spentOn: input.spentOn,
        description: input.description.trim(),
        tags,
        idempotencyKey: input.idempotencyKey ?? null,
        recurring: null,
      };
      const { expense } = await transaction((trx, on) => addExpense(trx, on, actor, draft));
      return expense!;
    },

    /** Materializes one occurrence of a rule (the job's path); false when it existed already. */
    async addOccurrence(actor: Actor, draft: ExpenseDraft, trx: Knex.Transaction): Promise<boolean> {
      return (await addExpense(trx, createStores(trx), actor, draft)).created;
    },

    async updateExpense(actor: Actor & { userId: string }, change: ExpenseChange): Promise<ExpenseModel> {
      const problems = new InputProblems('input');
      const amount = change.amount ? positiveMoney(problems, 'amount', change.amount) : null;
      if (change.description != null) problems.add('description', textProblem(change.description, 1, 500));
      const tags = change.tags ? normaliseTags(change.tags) : null;
      problems.add('tags', tags?.problem);
      if (change.categoryId != null && !(await ownCategory(stores, actor.userId, change.categoryId))) {
        problems.add('categoryId', 'is not one of your categories');
      }
      problems.throwIfAny();
      return transaction(async (trx, on) => {
        const before = isUuid(change.id) ? await on.expenses.findForUpdate(change.id) : null;
        if (!before || before.userId !== actor.userId) throw notFound('No such expense of yours');
        const settings = await ensureUser(on, actor.userId);
        const next: ExpenseModel = {
          ...before,
          amount: amount ?? before.amount,
          categoryId: change.categoryId?.toLowerCase() ?? before.categoryId,
          spentOn: change.spentOn ?? before.spentOn,
          description: change.description?.trim() ?? before.description,
          tags: tags?.tags ?? before.tags,
        };
        if (!next.amount.equals(before.amount) || next.spentOn !== before.spentOn) {
          const { converted, rate } = await withRateProblem('input.amount.currencyCode', () =>
            conversion(on, next.amount, settings.baseCurrencyCode, next.spentOn),
          );
          next.convertedAmount = converted;
          next.exchangeRate = rate;
        }
        const updated = await on.expenses.update(next);
        await enqueue(trx, expenseEvent('platform.expenses.expense.updated.v1', actor, updated));
        await withRateProblem('input.amount.currencyCode', () =>
          raiseBudgetAlerts(trx, on, actor, [updated.categoryId], [updated.spentOn]),
        );
        return updated;
      });
    },

    async deleteExpense(actor: Actor & { userId: string }, id: string): Promise<string> {
      return transaction(async (trx, on) => {
        const expense = isUuid(id) ? await on.expenses.findForUpdate(id) : null;
        if (!expense || expense.userId !== actor.userId) throw notFound('No such expense of yours');
        await on.expenses.delete(expense.id);
        await enqueue(trx, expenseDeleted(actor, expense));
        return expense.id;
      });
    },

    async setBudget(
      userId: string,
      input: {
        categoryId: string;
        period: BudgetPeriod;
        limit: MoneyInput;
        alertThresholdsPercent?: readonly number[] | null;
      },
    ): Promise<BudgetModel> {
      const problems = new InputProblems('input');
      const limit = positiveMoney(problems, 'limit', input.limit);
      const thresholds = [...(input.alertThresholdsPercent ?? DEFAULT_THRESHOLDS_PERCENT)].sort((a, b) => a - b);
      if (thresholds.length > MAX_THRESHOLDS)
        problems.add('alertThresholdsPercent', `at most ${MAX_THRESHOLDS} thresholds`);
      else if (thresholds.some((percent) => percent < 1 || percent > 1000)) {
        problems.add('alertThresholdsPercent', 'each threshold must be a percentage from 1 to 1000');
      } else if (new Set(thresholds).size !== thresholds.length) {
        problems.add('alertThresholdsPercent', 'must not repeat a threshold');
      }
      if (!(await ownCategory(stores, userId, input.categoryId)))
        problems.add('categoryId', 'is not one of your categories');
      problems.throwIfAny();
      // In one transaction: a limit in a currency the expenses cannot be converted into is refused, not kept.
      return transaction(async (_trx, on) => {
        const settings = await ensureUser(on, userId);
        const budget = await on.budgets.upsert({
          userId,
          categoryId: input.categoryId.toLowerCase(),
          period: input.period,
          limit: limit!,
          alertThresholdsPercent: thresholds,
        });
        return withRateProblem('input.limit.currencyCode', () =>
          budgetState(on, budget, calendarDateIn(new Date(), settings.timeZone)),
        );
      });
    },

    /** The user's budgets in their current periods (today in the user's time zone). */
    async budgets(userId: string, now: Date = new Date()): Promise<BudgetModel[]> {
      const settings = await this.settingsOf(userId);
      const today = calendarDateIn(now, settings.timeZone);
      const budgets = await stores.budgets.ofUser(userId);
      return withRateProblem('budgets', () => Promise.all(budgets.map((budget) => budgetState(stores, budget, today))));
    },

    /** The budgets of these ids that exist, each in its owner's current period (a batch of references). */
    async budgetsByIds(ids: readonly string[], now: Date = new Date()): Promise<BudgetModel[]> {
      const budgets = await stores.budgets.findManyByIds(ids);
      const owners = [...new Set(budgets.map((budget) => budget.userId))];
      const settings = new Map(
        await Promise.all(owners.map(async (owner) => [owner, await this.settingsOf(owner)] as const)),
      );
      return withRateProblem('representations', () =>
        Promise.all(
          budgets.map((budget) =>
            budgetState(stores, budget, calendarDateIn(now, settings.get(budget.userId)!.timeZone)),
          ),
        ),
      );
    },

    async createRecurring(userId: string, input: RecurringInput): Promise<RecurringExpenseModel> {
      const problems = new InputProblems('input');
      const { amount, tags } = await checkExpense(userId, { ...input, spentOn: input.startsOn }, problems);
      const monthly = input.frequency === 'MONTHLY_ON_DAY';
      if (monthly && input.dayOfMonth == null) problems.add('dayOfMonth', 'is required for MONTHLY_ON_DAY');
      else if (!monthly && input.dayOfMonth != null) problems.add('dayOfMonth', 'is only for MONTHLY_ON_DAY');
      else if (monthly && (input.dayOfMonth! < 1 || input.dayOfMonth! > 31))
        problems.add('dayOfMonth', 'must be 1 to 31');
      if (input.endsOn != null && input.endsOn < input.startsOn) problems.add('endsOn', 'must not be before startsOn');
      problems.throwIfAny();
      await this.ensureUser(userId);
      return stores.recurring.create({
        id: randomUUID(),
        userId,
        categoryId: input.categoryId.toLowerCase(),
        amount: amount!,
        description: input.description.trim(),
        tags,
        frequency: input.frequency,
        dayOfMonth: input.dayOfMonth ?? null,
        weekendPolicy: input.weekendPolicy ?? 'KEEP',
        startsOn: input.startsOn,
        endsOn: input.endsOn ?? null,
      });
    },

    async listExpenses(
      userId: string,
      filter: ExpenseFilter,
      after: ExpensePosition | null,
      limit: number,
    ): Promise<StoredExpense[]> {
      return stores.expenses.list(userId, filter, after, limit);
    },

    /** Totals by category and month from `from` to `to` (included), in the user's base currency. */
    async report(userId: string, from: CalendarDate, to: CalendarDate): Promise<Report> {
      const problems = new InputProblems();
      if (to < from) problems.add('to', 'must not be before from');
      else if (daysBetween(from, to) >= MAX_REPORT_DAYS) problems.add('to', 'a report covers at most 10 years');
      problems.throwIfAny();
      const { baseCurrencyCode } = await this.settingsOf(userId);
      const totals = await withRateProblem('from', () => totalsIn(stores, userId, { from, to }, baseCurrencyCode));
      const byCategory = new Map<string, Money>();
      const byMonth = new Map<string, Money>();
      const add = (into: Map<string, Money>, key: string, value: Money) =>
        into.set(key, into.get(key)?.plus(value) ?? value);
      for (const { categoryId, month, total } of totals) {
        add(byCategory, categoryId, total);
        add(byMonth, month, total);
      }
      const total = sumOf(totals, baseCurrencyCode);
      return {
        from,
        to,
        total,
        byCategory: [...byCategory]
          .map(([categoryId, value]) => ({ categoryId, total: value }))
          .sort((a, b) => b.total.compare(a.total) || a.categoryId.localeCompare(b.categoryId)),
        byMonth: [...byMonth]
          .map(([month, value]) => ({ month, total: value }))
          .sort((a, b) => a.month.localeCompare(b.month)),
      };
    },

    async recordExchangeRate(input: {
      baseCurrencyCode: string;
      quoteCurrencyCode: string;
      date: CalendarDate;
      rate: string;
    }) {
      const problems = new InputProblems('input');
      for (const field of ['baseCurrencyCode', 'quoteCurrencyCode'] as const) {
        if (!isCurrencyCode(input[field])) problems.add(field, `${input[field]} is not an ISO 4217 currency code`);
      }
      if (input.baseCurrencyCode === input.quoteCurrencyCode)
        problems.add('quoteCurrencyCode', 'must differ from the base currency');
      const rate = parseDecimal(input.rate);
      if (!rate || !rate.greaterThan(0)) problems.add('rate', 'must be more than zero');
      problems.throwIfAny();
      return stores.rates.record({
        base: input.baseCurrencyCode,
        quote: input.quoteCurrencyCode,
        date: input.date,
        rate: rate!,
      });
    },
  };
}
