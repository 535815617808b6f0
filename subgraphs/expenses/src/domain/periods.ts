/**
 * Budget periods: calendar weeks (Monday to Sunday, ISO 8601), months and years. Which period
 * is "current" depends on the user's time zone (see `budgetState`); the period of an expense is
 * the one its day falls in.
 */
import type { CalendarDate } from '@platform/service-kit';
import { addDays, clampedDay, isoWeekday, yearMonthDay } from './calendar.js';

export type BudgetPeriod = 'WEEKLY' | 'MONTHLY' | 'YEARLY';

export interface PeriodRange {
  start: CalendarDate;
  /** Included. */
  end: CalendarDate;
}

export function periodContaining(day: CalendarDate, period: BudgetPeriod): PeriodRange {
  const { year, month } = yearMonthDay(day);
  switch (period) {
    case 'WEEKLY': {
      const start = addDays(day, 1 - isoWeekday(day));
      return { start, end: addDays(start, 6) };
    }
    case 'MONTHLY':
      return { start: clampedDay(year, month, 1), end: clampedDay(year, month, 31) };
    case 'YEARLY':
      return { start: clampedDay(year, 1, 1), end: clampedDay(year, 12, 31) };
  }
}
