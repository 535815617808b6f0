/**
 * Bookings through the real gateway (issue #9, the bookings half of ticketing.graphql): an
 * organizer (a role holding listings' permissions) creates and publishes an event of two
 * seats through listings; bookings learns it from listings' snapshots on the event bus. A
 * buyer runs HoldTickets, ConfirmBooking (sandbox card), CheckInTicket is the organizer's
 * scan, MyBookings joins bookings with listings' event titles, CancelBooking refunds and
 * hands the seats to the waiting list (JoinWaitlist), and TicketAvailability streams each
 * change over graphql-ws.
 */
import { randomUUID } from 'node:crypto';
import { eventually } from '@platform/devkit/testing';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contractOperation } from '../harness/operations.js';
import { publishedEvent, signInOrganizer } from '../harness/organizers.js';
import { startTestPlatform, type TestPlatform } from '../harness/platform.js';
import { errorCodes, login, registerUser } from '../harness/users.js';

let platform: TestPlatform;
let organizerToken: string;
let buyerToken: string;
let waitingToken: string;
const clients: Client[] = [];

beforeAll(async () => {
  platform = await startTestPlatform();
  organizerToken = (await signInOrganizer(platform)).token;
  buyerToken = (await login(platform, await registerUser(platform, 'buyer'))).accessToken;
  waitingToken = (await login(platform, await registerUser(platform, 'waiting'))).accessToken;
}, 180_000);
afterAll(async () => {
  for (const client of clients) await client.dispose();
  await platform?.stop();
});

/** Streams TicketAvailability for `eventId`; `token` null subscribes anonymously, as a public seat map does. */
function watchAvailability(token: string | null, eventId: string) {
  const client = createClient({
    url: platform.gatewayUrl.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    ...(token ? { connectionParams: { authorization: `Bearer ${token}` } } : {}),
    retryAttempts: 0,
  });
  clients.push(client);
  const received: { ticketTypeId: string; available: number }[] = [];
  const failures: unknown[] = [];
  client.subscribe(
    { query: contractOperation('TicketAvailability'), variables: { eventId } },
    {
      next: (value) => {
        const data = value.data as { ticketAvailabilityChanged: { ticketTypeId: string; available: number } } | null;
        if (data) received.push(data.ticketAvailabilityChanged);
        else failures.push(value.errors);
      },
      error: (error) => failures.push(error),
      complete: () => undefined,
    },
  );
  return { received, failures };
}

interface MyBookings {
  me: {
    bookings: {
      edges: { node: { id: string; status: string; quantity: number; event: { id: string; title: string } } }[];
    };
    waitlistEntries: {
      id: string;
      status: string;
      quantity: number;
      offerExpiresAt: string | null;
      booking: { id: string; status: string } | null;
    }[];
  };
}

describe('bookings through the gateway', () => {
  it('holds, pays, checks in, lists, cancels with a refund and hands the seats to the waiting list, live', async () => {
    const { eventId, ticketTypeId } = await publishedEvent(platform, organizerToken, 2);
    const live = watchAvailability(waitingToken, eventId);
    const anonymous = watchAvailability(null, eventId);
    await new Promise((resolve) => setTimeout(resolve, 500)); // let the subscriptions reach bookings

    const holdKey = randomUUID();
    const held = await platform.graphql<{
      holdTickets: { booking: { id: string; status: string; quantity: number; expiresAt: string; total: unknown } };
    }>(contractOperation('HoldTickets'), { ticketTypeId, quantity: 2, idempotencyKey: holdKey }, { token: buyerToken });
    expect(held.body.errors).toBeUndefined();
    const booking = held.body.data!.holdTickets.booking;
    expect(booking).toMatchObject({ status: 'HELD', quantity: 2, total: { amount: '79.80', currencyCode: 'EUR' } });
    await eventually(() => live.received.some((change) => change.available === 0), 'the live sold-out change', 10_000);
    expect(live.received[0]).toEqual({ ticketTypeId, available: 0 });
    await eventually(() => anonymous.received.length > 0, 'the anonymous seat map', 10_000);
    expect(anonymous.received[0]).toEqual({ ticketTypeId, available: 0 });
    expect(anonymous.failures).toEqual([]);

    // Sold out: the next buyer queues.
    const soldOut = await platform.graphql(
      contractOperation('HoldTickets'),
      { ticketTypeId, quantity: 1, idempotencyKey: randomUUID() },
      { token: waitingToken },
    );
    expect(errorCodes(soldOut)).toEqual(['CONFLICT']);
    const joined = await platform.graphql<{
      joinWaitlist: { entry: { status: string; position: number; quantity: number } };
    }>(contractOperation('JoinWaitlist'), { ticketTypeId, quantity: 1 }, { token: waitingToken });
    expect(joined.body.data!.joinWaitlist.entry).toMatchObject({ status: 'WAITING', position: 1, quantity: 1 });

    const confirmKey = randomUUID();
    const confirm = () =>
      platform.graphql<{
        confirmBooking: {
          booking: {
            status: string;
            payment: { status: string; amount: unknown };
            tickets: { id: string; code: string }[];
          };
        };
      }>(
        contractOperation('ConfirmBooking'),
        { bookingId: booking.id, paymentToken: 'tok_sandbox_visa', idempotencyKey: confirmKey },
        { token: buyerToken },
      );
    const confirmed = await confirm();
    expect(confirmed.body.errors).toBeUndefined();
    const paid = confirmed.body.data!.confirmBooking.booking;
    expect(paid).toMatchObject({
      status: 'CONFIRMED',
      payment: { status: 'SUCCEEDED', amount: { amount: '79.80', currencyCode: 'EUR' } },
    });
    expect(paid.tickets).toHaveLength(2);
    expect((await confirm()).body.data).toEqual(confirmed.body.data);

    // The organizer scans one ticket at the door; a second scan says when.
    const scan = () =>
      platform.graphql<{ checkInTicket: { ticket: { code: string; checkedInAt: string } } }>(
        contractOperation('CheckInTicket'),
        { code: paid.tickets[0]!.code },
        { token: organizerToken },
      );
    const scanned = await scan();
    expect(scanned.body.errors).toBeUndefined();
    const again = await scan();
    expect(errorCodes(again)).toEqual(['CONFLICT']);
    expect(again.body.errors![0]!.message).toContain(scanned.body.data!.checkInTicket.ticket.checkedInAt);
    const stranger = await platform.graphql(
      contractOperation('CheckInTicket'),
      { code: paid.tickets[1]!.code },
      { token: waitingToken },
    );
    expect(errorCodes(stranger)).toEqual(['FORBIDDEN']);

    const mine = await platform.graphql<MyBookings>(contractOperation('MyBookings'), {}, { token: buyerToken });
    expect(mine.body.errors).toBeUndefined();
    expect(mine.body.data!.me.bookings.edges).toEqual([
      { node: { id: booking.id, status: 'CONFIRMED', quantity: 2, event: { id: eventId, title: 'Late Night Jazz' } } },
    ]);

    const cancelKey = randomUUID();
    const cancel = () =>
      platform.graphql<{ cancelBooking: { booking: { status: string; refund: unknown } } }>(
        contractOperation('CancelBooking'),
        { bookingId: booking.id, idempotencyKey: cancelKey },
        { token: buyerToken },
      );
    const cancelled = await cancel();
    expect(cancelled.body.data!.cancelBooking.booking).toMatchObject({
      status: 'CANCELLED',
      refund: { status: 'SUCCEEDED', amount: { amount: '79.80', currencyCode: 'EUR' } },
    });
    expect((await cancel()).body.data).toEqual(cancelled.body.data);

    // One seat went to the waiting entry as a hold; the other is on sale again.
    const waiting = await platform.graphql<MyBookings>(contractOperation('MyBookings'), {}, { token: waitingToken });
    expect(waiting.body.data!.me.waitlistEntries).toMatchObject([
      { status: 'OFFERED', quantity: 1, booking: { status: 'HELD' } },
    ]);
    expect(new Date(waiting.body.data!.me.waitlistEntries[0]!.offerExpiresAt!).getTime()).toBeGreaterThan(Date.now());
    await eventually(() => live.received.at(-1)?.available === 1, 'the live change after the cancellation', 10_000);
    expect(live.failures).toEqual([]);
  });

  it('refuses bad input with the contract codes', async () => {
    const { ticketTypeId } = await publishedEvent(platform, organizerToken, 5);
    const tooMany = await platform.graphql(
      contractOperation('HoldTickets'),
      { ticketTypeId, quantity: 11, idempotencyKey: randomUUID() },
      { token: buyerToken },
    );
    expect(errorCodes(tooMany)).toEqual(['BAD_USER_INPUT']);
    expect(tooMany.body.errors![0]!.extensions!.fields).toEqual({ 'input.quantity': 'must be between 1 and 10' });
    const unknown = await platform.graphql(
      contractOperation('ConfirmBooking'),
      { bookingId: randomUUID(), paymentToken: 'tok_sandbox_visa', idempotencyKey: randomUUID() },
      { token: buyerToken },
    );
    expect(errorCodes(unknown)).toEqual(['NOT_FOUND']);
    const anonymous = await platform.graphql(contractOperation('HoldTickets'), {
      ticketTypeId,
      quantity: 1,
      idempotencyKey: randomUUID(),
    });
    expect(errorCodes(anonymous)).toEqual(['UNAUTHORIZED_FIELD_OR_TYPE']);
  });
});
