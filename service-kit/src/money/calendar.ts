/**
 * Calendar dates and time zones, explicit: a `Date` (GraphQL) is a day on the calendar
 * (`2026-11-29`) with no time zone and stays a `YYYY-MM-DD` string inside; an instant is a
 * `DateTime`; a time zone is an IANA name (`Europe/Berlin`) checked against the runtime's
 * tz database, never an offset that forgets daylight saving.
 */
import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';
import type { CalendarDate } from './exchange-rates.js';

const CALENDAR_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** True for a real day written `YYYY-MM-DD` (`2026-02-30` is not one). */
export function isCalendarDate(text: string): boolean {
  const match = CALENDAR_DATE.exec(text);
  if (!match) return false;
  const date = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
  return date.toISOString().slice(0, 10) === text;
}

/** True for an IANA time zone name the runtime knows (`UTC`, `Europe/Berlin`). */
export function isTimeZone(name: string): boolean {
  if (!/^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(name)) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** The calendar date `instant` falls on in `timeZone`. */
export function calendarDateIn(instant: Date, timeZone: string): CalendarDate {
  // en-CA formats as YYYY-MM-DD.
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(
    instant,
  );
}

function parseInput(value: unknown): CalendarDate {
  if (typeof value === 'string' && isCalendarDate(value)) return value;
  throw new GraphQLError('Date must be a calendar date written YYYY-MM-DD, for example 2026-11-29', {
    extensions: { code: 'BAD_USER_INPUT' },
  });
}

export const DateScalar = new GraphQLScalarType<CalendarDate, string>({
  name: 'Date',
  serialize(value) {
    if (typeof value === 'string' && isCalendarDate(value)) return value;
    // A Postgres `date` column read without a type parser arrives as a Date at UTC midnight.
    if (value instanceof Date && !Number.isNaN(value.getTime())) return value.toISOString().slice(0, 10);
    throw new GraphQLError('Date cannot represent this value');
  },
  parseValue: parseInput,
  parseLiteral(ast) {
    return parseInput(ast.kind === Kind.STRING ? ast.value : null);
  },
});
