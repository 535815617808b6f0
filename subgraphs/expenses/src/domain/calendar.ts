/**
 * Calendar arithmetic on `YYYY-MM-DD` days, done at UTC midnight so that no local time zone or
 * daylight-saving change can move a day. Time zones enter only where "today" is decided
 * (`calendarDateIn` from the kit).
 */
import type { CalendarDate } from '@platform/service-kit';

const DAY_MS = 24 * 60 * 60 * 1000;

function toUtc(day: CalendarDate): Date {
  return new Date(`${day}T00:00:00Z`);
}

function fromUtc(date: Date): CalendarDate {
  return date.toISOString().slice(0, 10);
}

export function addDays(day: CalendarDate, days: number): CalendarDate {
  return fromUtc(new Date(toUtc(day).getTime() + days * DAY_MS));
}

/** ISO weekday: 1 Monday … 7 Sunday. */
export function isoWeekday(day: CalendarDate): number {
  return ((toUtc(day).getUTCDay() + 6) % 7) + 1;
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** The day `dayOfMonth` of a month, or the month's last day when it is shorter (31 → 30 April, 28/29 February). */
export function clampedDay(year: number, month: number, dayOfMonth: number): CalendarDate {
  const day = Math.min(dayOfMonth, daysInMonth(year, month));
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

export function yearMonthDay(day: CalendarDate): { year: number; month: number; day: number } {
  return { year: Number(day.slice(0, 4)), month: Number(day.slice(5, 7)), day: Number(day.slice(8, 10)) };
}

/** Whole days from `from` to `to` (negative when `to` is earlier). */
export function daysBetween(from: CalendarDate, to: CalendarDate): number {
  return Math.round((toUtc(to).getTime() - toUtc(from).getTime()) / DAY_MS);
}
