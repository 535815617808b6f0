/**
 * The schedule of a recurring expense: which days it falls on, and where an occurrence on a
 * weekend lands. An occurrence is identified by its scheduled day (before the weekend shift),
 * which is what makes materializing it idempotent (one expense per rule and scheduled day).
 */
import type { CalendarDate } from '@platform/service-kit';
import { addDays, clampedDay, daysBetween, isoWeekday, yearMonthDay } from './calendar.js';

export type RecurrenceFrequency = 'WEEKLY' | 'MONTHLY_ON_DAY' | 'MONTHLY_LAST_DAY' | 'YEARLY';
export type WeekendPolicy = 'KEEP' | 'PREVIOUS_BUSINESS_DAY' | 'NEXT_BUSINESS_DAY';

export interface Schedule {
  frequency: RecurrenceFrequency;
  /** For MONTHLY_ON_DAY: 1–31, clamped to shorter months. */
  dayOfMonth: number | null;
  weekendPolicy: WeekendPolicy;
  startsOn: CalendarDate;
  endsOn: CalendarDate | null;
}

export interface Occurrence {
  /** The day the schedule names: the occurrence's identity. */
  scheduledOn: CalendarDate;
  /** The day the expense is recorded on, after the weekend policy. */
  spentOn: CalendarDate;
}

/** Saturday and Sunday move to the Friday before or the Monday after, per the policy. */
export function applyWeekendPolicy(day: CalendarDate, policy: WeekendPolicy): CalendarDate {
  const weekday = isoWeekday(day);
  if (weekday < 6 || policy === 'KEEP') return day;
  return policy === 'PREVIOUS_BUSINESS_DAY' ? addDays(day, 5 - weekday) : addDays(day, 8 - weekday);
}

/** The n-th scheduled day (n = 0 is the first on or after `startsOn`). */
function nthScheduledDay(schedule: Schedule, n: number): CalendarDate {
  const start = yearMonthDay(schedule.startsOn);
  const monthIndex = (k: number) => {
    const total = start.year * 12 + (start.month - 1) + k;
    return { year: Math.floor(total / 12), month: (total % 12) + 1 };
  };
  switch (schedule.frequency) {
    case 'WEEKLY':
      return addDays(schedule.startsOn, 7 * n);
    case 'YEARLY':
      return clampedDay(start.year + n, start.month, start.day);
    case 'MONTHLY_ON_DAY':
    case 'MONTHLY_LAST_DAY': {
      const dayOfMonth = schedule.frequency === 'MONTHLY_LAST_DAY' ? 31 : (schedule.dayOfMonth ?? start.day);
      // The first month's day may fall before startsOn: then the schedule begins a month later.
      const first = clampedDay(start.year, start.month, dayOfMonth) < schedule.startsOn ? 1 : 0;
      const { year, month } = monthIndex(n + first);
      return clampedDay(year, month, dayOfMonth);
    }
  }
}

/**
 * The occurrences scheduled after `after` (exclusive; from the start when null) whose expense
 * day is on or before `through`, oldest first, at most `limit` of them.
 */
export function occurrencesBetween(
  schedule: Schedule,
  after: CalendarDate | null,
  through: CalendarDate,
  limit = 1000,
): Occurrence[] {
  const found: Occurrence[] = [];
  // Skip whole periods cheaply for weekly rules; the others advance at most one step a month.
  let n =
    schedule.frequency === 'WEEKLY' && after ? Math.max(0, Math.floor(daysBetween(schedule.startsOn, after) / 7)) : 0;
  for (; found.length < limit; n += 1) {
    const scheduledOn = nthScheduledDay(schedule, n);
    if (schedule.endsOn && scheduledOn > schedule.endsOn) break;
    if (after && scheduledOn <= after) continue;
    const spentOn = applyWeekendPolicy(scheduledOn, schedule.weekendPolicy);
    // A Friday-shifted occurrence may be due before its scheduled day; a Monday-shifted one waits.
    if (spentOn > through) {
      if (scheduledOn > through) break;
      continue;
    }
    found.push({ scheduledOn, spentOn });
  }
  return found;
}
