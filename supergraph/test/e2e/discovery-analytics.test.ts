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
import { confirmedBooking, publishedEvent, signInOrganizer } from '../harness/organizers.js';
import { startTestPlatform, type TestPlatform } from '../harness/platform.js';
import { errorCodes, login, registerUser } from '../harness/users.js';

let platform: TestPlatform;
let organizerToken: string;

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
  organizerToken = (await signInOrganizer(platform)).token;
}, 180_000);

afterAll(async () => {
  await platform?.stop();
});

async function buyer(label: string): Promise<string> {
  return (await login(platform, await registerUser(platform, label))).accessToken;
}

describe('EventSales through the gateway', () => {
  it('gives the organizer the figures of real holds, a confirmation and a waiting list; strangers are refused', async () => {
    const { eventId, ticketTypeId } = await publishedEvent(platform, organizerToken, 3);
    const [first, second, third] = [await buyer('first'), await buyer('second'), await buyer('third')];

    await confirmedBooking(platform, first, ticketTypeId, 2);
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
