import { signedIn } from '@platform/devkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyWeekendPolicy, occurrencesBetween, type Schedule } from '../src/domain/recurrence.js';
import {
  categoryId,
  CREATE_RECURRING,
  registeredUser,
  startExpenses,
  USER_FINANCES,
  userReference,
  type ExpensesHarness,
} from './support.js';

const rule = (overrides: Partial<Schedule>): Schedule => ({
  frequency: 'MONTHLY_ON_DAY',
  dayOfMonth: null,
  weekendPolicy: 'KEEP',
  startsOn: '2026-01-01',
  endsOn: null,
  ...overrides,
});
const scheduled = (schedule: Schedule, through: string, after: string | null = null) =>
  occurrencesBetween(schedule, after, through).map((occurrence) => occurrence.scheduledOn);
const spent = (schedule: Schedule, through: string) =>
  occurrencesBetween(schedule, null, through).map((occurrence) => occurrence.spentOn);

describe('recurrence rules', () => {
  it('monthly on the 31st lands on the last day of shorter months (February 28, or 29 in a leap year)', () => {
    const on31 = rule({ dayOfMonth: 31, startsOn: '2026-01-31' });
    expect(scheduled(on31, '2026-05-31')).toEqual([
      '2026-01-31',
      '2026-02-28',
      '2026-03-31',
      '2026-04-30',
      '2026-05-31',
    ]);
    expect(scheduled({ ...on31, startsOn: '2028-01-31' }, '2028-03-01')).toEqual(['2028-01-31', '2028-02-29']);
  });

  it('the last day of the month follows each month', () => {
    const last = rule({ frequency: 'MONTHLY_LAST_DAY', startsOn: '2027-12-15' });
    expect(scheduled(last, '2028-04-30')).toEqual([
      '2027-12-31',
      '2028-01-31',
      '2028-02-29',
      '2028-03-31',
      '2028-04-30',
    ]);
  });

  it('monthly on day n starts the next month when day n of the first month is before the start', () => {
    expect(scheduled(rule({ dayOfMonth: 5, startsOn: '2026-01-10' }), '2026-03-31')).toEqual([
      '2026-02-05',
      '2026-03-05',
    ]);
  });

  it('weekly every 7 days; yearly on the same day, February 29 becoming February 28', () => {
    expect(scheduled(rule({ frequency: 'WEEKLY', startsOn: '2026-12-24' }), '2027-01-14')).toEqual([
      '2026-12-24',
      '2026-12-31',
      '2027-01-07',
      '2027-01-14',
    ]);
    expect(scheduled(rule({ frequency: 'YEARLY', startsOn: '2028-02-29' }), '2033-01-01')).toEqual([
      '2028-02-29',
      '2029-02-28',
      '2030-02-28',
      '2031-02-28',
      '2032-02-29',
    ]);
  });

  it('stops at the end day and continues after the last materialized day', () => {
    const weekly = rule({ frequency: 'WEEKLY', startsOn: '2026-01-01', endsOn: '2026-01-20' });
    expect(scheduled(weekly, '2026-12-31')).toEqual(['2026-01-01', '2026-01-08', '2026-01-15']);
    expect(scheduled(weekly, '2026-12-31', '2026-01-08')).toEqual(['2026-01-15']);
  });

  it('moves weekend days to the Friday before or the Monday after, or keeps them', () => {
    // 2026-02-28 is a Saturday, 2026-05-31 a Sunday.
    expect(applyWeekendPolicy('2026-02-28', 'PREVIOUS_BUSINESS_DAY')).toBe('2026-02-27');
    expect(applyWeekendPolicy('2026-05-31', 'PREVIOUS_BUSINESS_DAY')).toBe('2026-05-29');
    expect(applyWeekendPolicy('2026-02-28', 'NEXT_BUSINESS_DAY')).toBe('2026-03-02');
    expect(applyWeekendPolicy('2026-05-31', 'NEXT_BUSINESS_DAY')).toBe('2026-06-01');
    expect(applyWeekendPolicy('2026-05-31', 'KEEP')).toBe('2026-05-31');
    expect(applyWeekendPolicy('2026-06-03', 'NEXT_BUSINESS_DAY')).toBe('2026-06-03');
    const last = rule({ frequency: 'MONTHLY_LAST_DAY', startsOn: '2026-01-01', weekendPolicy: 'NEXT_BUSINESS_DAY' });
    // January 31 is a Saturday: the occurrence is Monday, February 2, due only from that day.
    expect(spent(last, '2026-02-01')).toEqual([]);
    expect(spent(last, '2026-03-02')).toEqual(['2026-02-02', '2026-03-02']);
    // A Friday-shifted occurrence is due on the Friday, before its scheduled day.
    expect(spent({ ...last, weekendPolicy: 'PREVIOUS_BUSINESS_DAY' }, '2026-01-30')).toEqual(['2026-01-30']);
  });
});

describe('materializing recurring expenses', () => {
  let expenses: ExpensesHarness;
  beforeAll(async () => {
    expenses = await startExpenses();
  });
  afterAll(() => expenses.stop());

  it('records each occurrence due by the day once, however often (and however concurrently) the job runs', async () => {
    const userId = await registeredUser(expenses);
    const housing = await categoryId(expenses, userId, 'Housing');
    const { body } = await expenses.graphql<{ createRecurringExpense: { recurringExpense: { id: string } } }>(
      CREATE_RECURRING,
      {
        input: {
          amount: { amount: '800.00', currencyCode: 'EUR' },
          categoryId: housing,
          description: 'Rent',
          tags: ['home'],
          frequency: 'MONTHLY_LAST_DAY',
          weekendPolicy: 'PREVIOUS_BUSINESS_DAY',
          startsOn: '2026-01-01',
        },
      },
      signedIn(userId),
    );
    expect(body.errors).toBeUndefined();
    const ruleId = body.data!.createRecurringExpense.recurringExpense.id;
    const materialize = expenses.subgraph.exposed.materializeRecurringExpenses;

    // 2026-05-29 (UTC) is the Friday before Sunday, May 31.
    const asOf = new Date('2026-05-29T12:00:00Z');
    await Promise.all([materialize(asOf), materialize(asOf), materialize(asOf)]);
    await materialize(asOf);
    const rows = await expenses.db('expenses').where({ recurring_expense_id: ruleId }).orderBy('spent_on');
    expect(rows.map((row: { spent_on: string; occurrence_on: string }) => [row.occurrence_on, row.spent_on])).toEqual([
      ['2026-01-31', '2026-01-30'],
      ['2026-02-28', '2026-02-27'],
      ['2026-03-31', '2026-03-31'],
      ['2026-04-30', '2026-04-30'],
      ['2026-05-31', '2026-05-29'],
    ]);
    expect(
      rows.every(
        (row: { description: string; tags: string[] }) => row.description === 'Rent' && row.tags[0] === 'home',
      ),
    ).toBe(true);

    const later = await materialize(new Date('2026-06-30T12:00:00Z'));
    expect(later).toEqual({ created: 1, failed: 0 });
    const { body: listed } = await expenses.graphql<{
      _entities: { expenses: { edges: { node: { spentOn: string; recurringExpense: { id: string } | null } }[] } }[];
    }>(USER_FINANCES, { representations: [userReference(userId)], first: 1 }, signedIn(userId));
    expect(listed.data?._entities[0]?.expenses.edges[0]?.node).toMatchObject({
      spentOn: '2026-06-30',
      recurringExpense: { id: ruleId },
    });
    // The platform recorded them: no actor.
    const created = expenses.published('platform.expenses.expense.created.v1').filter((e) => e.data.userId === userId);
    expect(created.length).toBeGreaterThan(0);
    expect(
      created.every((event) => event.data.actorId === null && event.data.expense.recurringExpenseId === ruleId),
    ).toBe(true);
  });

  it("uses the owner's time zone for today", async () => {
    const userId = await registeredUser(expenses);
    await expenses.db('expense_settings').where({ user_id: userId }).update({ time_zone: 'Pacific/Kiritimati' });
    const { body } = await expenses.graphql<{ createRecurringExpense: { recurringExpense: { id: string } } }>(
      CREATE_RECURRING,
      {
        input: {
          amount: { amount: '9.99', currencyCode: 'EUR' },
          categoryId: await categoryId(expenses, userId, 'Entertainment'),
          description: 'Streaming',
          frequency: 'MONTHLY_ON_DAY',
          dayOfMonth: 15,
          startsOn: '2026-07-15',
        },
      },
      signedIn(userId),
    );
    const ruleId = body.data!.createRecurringExpense.recurringExpense.id;
    // 11:00 UTC on the 14th is already 01:00 on the 15th at UTC+14.
    await expenses.subgraph.exposed.materializeRecurringExpenses(new Date('2026-07-14T11:00:00Z'));
    expect(await expenses.db('expenses').where({ recurring_expense_id: ruleId })).toHaveLength(1);
  });

  it('refuses a day of month without MONTHLY_ON_DAY, a missing one with it, and an end before the start', async () => {
    const userId = await registeredUser(expenses);
    const base = {
      amount: { amount: '1.00', currencyCode: 'EUR' },
      categoryId: await categoryId(expenses, userId, 'Other'),
      description: 'x',
      startsOn: '2026-01-10',
    };
    const cases = [
      [{ frequency: 'WEEKLY', dayOfMonth: 3 }, { 'input.dayOfMonth': 'is only for MONTHLY_ON_DAY' }],
      [{ frequency: 'MONTHLY_ON_DAY' }, { 'input.dayOfMonth': 'is required for MONTHLY_ON_DAY' }],
      [
        { frequency: 'MONTHLY_ON_DAY', dayOfMonth: 32, endsOn: '2026-01-01' },
        {
          'input.dayOfMonth': 'must be 1 to 31',
          'input.endsOn': 'must not be before startsOn',
        },
      ],
    ] as const;
    for (const [input, fields] of cases) {
      const result = await expenses.graphql(CREATE_RECURRING, { input: { ...base, ...input } }, signedIn(userId));
      expect(result.body.errors?.[0]?.extensions?.fields).toEqual(fields);
    }
  });
});
