/**
 * Analytics through the real gateway (issue #10, EventSales of discovery.graphql): an
 * organizer publishes an event of three seats through listings; a buyer holds two seats and
 * confirms them, a second buyer holds the last seat, a third joins the waiting list, all
 * through the ticketing contract operations. Analytics learns all of it from the events
 * alone, and EventSales gives the organizer the exact figures; a stranger is refused.
 */
import { randomUUID } from 'node:crypto';
import { eventually } from '@platform/devkit/testing';
import { calendarDateIn } from '@platform/service-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contractOperation } from '../harness/operations.js';
import { startTestPlatform, type TestPlatform } from '../harness/platform.js';
import { errorCodes, login, registerUser } from '../harness/users.js';

let platform: TestPlatform;
let organizerToken: string;
const hoursFromNow = (hours: number) => new Date(Date.now() + hours * 3_600_000).toISOString();

interface Sales {
  ticketsSold: number;
  revenue: { amount: string; currencyCode: string } | null;
  occupancy: number | null;
  activeHolds: number;
  waitlistLength: number;
  cancellations: number;
  byDay: { date: string; ticketsSold: number }[];
}

beforeAll(async () => {
  platform = await startTestPlatform();
  const admin = (await login(platform, platform.admin)).accessToken;
  const role = await platform.graphql<{ createRole: { role: { id: string } } }>(
    contractOperation('CreateRole'),
    {
      name: 'organizer',
      description: 'Puts events on sale',
      permissions: ['listings.venue.write', 'listings.event.write'],
    },
    { token: admin },
  );
  expect(role.body.errors).toBeUndefined();
  const organizer = await registerUser(platform, 'organizer');
  const assigned = await platform.graphql(
    contractOperation('AssignRole'),
    { userId: organizer.id, roleId: role.body.data!.createRole.role.id },
    { token: admin },
  );
  expect(assigned.body.errors).toBeUndefined();
  organizerToken = (await login(platform, organizer)).accessToken;
}, 180_000);

afterAll(async () => {
  await platform?.stop();
});

async function publishedEvent(capacity: number): Promise<{ eventId: string; ticketTypeId: string }> {
  const venue = await platform.graphql<{ createVenue: { venue: { id: string } } }>(
    contractOperation('CreateVenue'),
    {
      name: `Paradiso ${randomUUID().slice(0, 6)}`,
      address: 'Weteringschans 6-8',
      city: 'Amsterdam',
      countryCode: 'NL',
      timeZone: 'Europe/Amsterdam',
      capacity: 1500,
    },
    { token: organizerToken },
  );
  expect(venue.body.errors).toBeUndefined();
  const created = await platform.graphql<{ createEvent: { event: { id: string; ticketTypes: { id: string }[] } } }>(
    contractOperation('CreateEvent'),
    {
      venueId: venue.body.data!.createVenue.venue.id,
      title: 'Late Night Jazz',
      description: 'Two sets',
      category: 'concert',
      startsAt: hoursFromNow(48),
      endsAt: hoursFromNow(51),
      ticketTypeName: 'Standing',
      capacity,
      price: '39.90',
      currencyCode: 'EUR',
    },
    { token: organizerToken },
  );
  expect(created.body.errors).toBeUndefined();
  const eventId = created.body.data!.createEvent.event.id;
  const published = await platform.graphql(
    contractOperation('PublishEvent'),
    { id: eventId },
    { token: organizerToken },
  );
  expect(published.body.errors).toBeUndefined();
  await eventually(async () => {
    const event = await platform.graphql<{ event: { ticketTypes: { available: number }[] } | null }>(
      contractOperation('Event'),
      { id: eventId },
    );
    return event.body.data?.event?.ticketTypes[0]?.available === capacity;
  }, 'bookings to know the published event');
  return { eventId, ticketTypeId: created.body.data!.createEvent.event.ticketTypes[0]!.id };
}

async function buyer(label: string): Promise<string> {
  return (await login(platform, await registerUser(platform, label))).accessToken;
}

describe('EventSales through the gateway', () => {
  it('gives the organizer the figures of real holds, a confirmation and a waiting list; strangers are refused', async () => {
    const { eventId, ticketTypeId } = await publishedEvent(3);
    const [first, second, third] = [await buyer('first'), await buyer('second'), await buyer('third')];

    const held = await platform.graphql<{ holdTickets: { booking: { id: string } } }>(
      contractOperation('HoldTickets'),
      { ticketTypeId, quantity: 2, idempotencyKey: randomUUID() },
      { token: first },
    );
    expect(held.body.errors).toBeUndefined();
    const confirmed = await platform.graphql(
      contractOperation('ConfirmBooking'),
      {
        bookingId: held.body.data!.holdTickets.booking.id,
        paymentToken: 'tok_sandbox_visa',
        idempotencyKey: randomUUID(),
      },
      { token: first },
    );
    expect(confirmed.body.errors).toBeUndefined();
    const lastSeat = await platform.graphql(
      contractOperation('HoldTickets'),
      { ticketTypeId, quantity: 1, idempotencyKey: randomUUID() },
      { token: second },
    );
    expect(lastSeat.body.errors).toBeUndefined();
    const joined = await platform.graphql(
      contractOperation('JoinWaitlist'),
      { ticketTypeId, quantity: 1 },
      { token: third },
    );
    expect(joined.body.errors).toBeUndefined();

    const expected: Sales = {
      ticketsSold: 2,
      revenue: { amount: '79.80', currencyCode: 'EUR' },
      occupancy: 0.666667,
      activeHolds: 1,
      waitlistLength: 1,
      cancellations: 0,
      // Confirmed a moment ago: today, in the venue's time zone.
      byDay: [{ date: calendarDateIn(new Date(), 'Europe/Amsterdam'), ticketsSold: 2 }],
    };
    const sales = await eventually(
      async () => {
        const result = await platform.graphql<{ event: { id: string; sales: Sales | null } | null }>(
          contractOperation('EventSales'),
          { id: eventId },
          { token: organizerToken },
        );
        expect(result.body.errors).toBeUndefined();
        const figures = result.body.data?.event?.sales;
        return figures?.waitlistLength === 1 && figures.activeHolds === 1 && figures.ticketsSold === 2 && figures;
      },
      'analytics to project the bookings',
      15_000,
    );
    expect(sales).toEqual(expected);

    const stranger = await platform.graphql(contractOperation('EventSales'), { id: eventId }, { token: third });
    expect(errorCodes(stranger)).toEqual(['FORBIDDEN']);
    // Anonymous callers are stopped at the gateway by `@authenticated`.
    const anonymous = await platform.graphql(contractOperation('EventSales'), { id: eventId });
    expect(errorCodes(anonymous)).toEqual(['UNAUTHORIZED_FIELD_OR_TYPE']);
  });
});
