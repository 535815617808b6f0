/**
 * The input rules of venues, events and ticket types, each reported per field through
 * `InputProblems` (the field named as the client wrote it: `input.ticketTypes.0.price.amount`).
 * Rules that depend on stored state (capacity against the venue, the event's currency) take
 * that state as arguments; the service loads it under a lock first.
 */
import { isTimeZone, Money, type InputProblems } from '@platform/service-kit';
import type { TicketTypeModel } from '../mappers.js';
import type { TicketTypeFields } from '../stores/event-store.js';

export const LIMITS = {
  venueName: 200,
  address: 500,
  city: 200,
  title: 200,
  description: 20000,
  category: 100,
  ticketTypeName: 100,
  reason: 200,
  ticketTypesPerEvent: 50,
  /** A sanity bound: no venue on earth holds more. */
  capacity: 1_000_000,
} as const;

/** The problem with a required text, or null; `min` 0 lets it be empty. */
export function textProblem(value: string, max: number, min = 1): string | null {
  if (value.trim().length < min) return 'must not be empty';
  if (value.length > max) return `must be at most ${max} characters`;
  return null;
}

const regions = new Intl.DisplayNames(['en'], { type: 'region' });
// Codes the runtime names that are no country (unknown region, unions, outlying oceania).
const NOT_COUNTRIES = new Set(['ZZ', 'EU', 'EZ', 'UN', 'QO']);

/** An assigned ISO 3166-1 alpha-2 code, as the runtime's CLDR data knows them. */
export function countryCodeProblem(code: string): string | null {
  if (!/^[A-Z]{2}$/.test(code)) return 'must be an ISO 3166-1 alpha-2 code in capitals, for example DE';
  if (NOT_COUNTRIES.has(code) || regions.of(code) === code) return `${code} is not an ISO 3166-1 country code`;
  return null;
}

export function timeZoneProblem(name: string): string | null {
  return name.length <= 64 && isTimeZone(name) ? null : 'must be an IANA time zone name, for example Europe/Berlin';
}

export function capacityProblem(capacity: number, min: number): string | null {
  if (capacity < min) return `must be at least ${min}`;
  if (capacity > LIMITS.capacity) return `must be at most ${LIMITS.capacity}`;
  return null;
}

export function coordinateProblem(value: number | null | undefined, bound: 90 | 180): string | null {
  if (value === null || value === undefined) return null;
  return Number.isFinite(value) && Math.abs(value) <= bound ? null : `must be between -${bound} and ${bound}`;
}

/** Start and end of an event: the start in the future, the end after it. */
export function scheduleProblems(problems: InputProblems, startsAt: Date, endsAt: Date, now: Date): void {
  if (startsAt.getTime() <= now.getTime()) problems.add('startsAt', 'must be in the future');
  if (endsAt.getTime() <= startsAt.getTime()) problems.add('endsAt', 'must be after startsAt');
}

export interface TicketTypeInput {
  name: string;
  capacity: number;
  price: { amount: string; currencyCode: string };
}

/**
 * Checks one ticket type (fields relative to `path`, e.g. `ticketTypes.0`); answers it
 * with its price as money, or null when something is wrong (then recorded in `problems`).
 * `currency` is the event's currency when it has one.
 */
export function ticketTypeFields(
  problems: InputProblems,
  path: string,
  input: TicketTypeInput,
  currency: string | null,
  minCapacity = 1,
): TicketTypeFields | null {
  const nameProblem = textProblem(input.name, LIMITS.ticketTypeName);
  problems.add(`${path}.name`, nameProblem);
  const capacity = capacityProblem(input.capacity, minCapacity);
  problems.add(`${path}.capacity`, capacity);
  const price = priceOf(problems, `${path}.price`, input.price, currency);
  return nameProblem || capacity || !price ? null : { name: input.name.trim(), capacity: input.capacity, price };
}

/** A ticket price: money at the currency's precision, not negative, in the event's currency. */
export function priceOf(
  problems: InputProblems,
  path: string,
  input: { amount: string; currencyCode: string },
  currency: string | null,
): Money | null {
  const parsed = Money.fromInput(input);
  if (parsed.problems) {
    problems.add(`${path}.amount`, parsed.problems.amount);
    problems.add(`${path}.currencyCode`, parsed.problems.currencyCode);
    return null;
  }
  if (currency !== null && parsed.money.currencyCode !== currency) {
    problems.add(`${path}.currencyCode`, `must be ${currency}: all ticket types of an event share one currency`);
    return null;
  }
  return parsed.money;
}

/** Names unique within the event, in any letter case. */
export function duplicateName(
  existing: readonly Pick<TicketTypeModel, 'name' | 'id'>[],
  name: string,
  except?: string,
) {
  const lower = name.trim().toLowerCase();
  return existing.some((other) => other.id !== except && other.name.toLowerCase() === lower);
}

/** The problem when ticket capacity would exceed the venue's, naming both numbers. */
export function venueCapacityProblem(total: number, venueCapacity: number): string | null {
  return total > venueCapacity
    ? `the event's ticket types would hold ${total} people, more than the venue's capacity of ${venueCapacity}`
    : null;
}
