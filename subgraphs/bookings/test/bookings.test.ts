/**
 * Holds, payment, cancellation, idempotency keys, check-in and listings' snapshots, through
 * the subgraph's GraphQL API on a real Postgres (the in-process bus carries listings' events).
 */
import { randomUUID } from 'node:crypto';
import { Permission, sqlOn } from '@platform/service-kit';
import { errorCode, eventually, signedIn } from '@platform/devkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  available,
  CANCEL,
  CHECK_IN,
  CONFIRM,
  counts,
  feed,
  HOLD,
  ledger,
  listedEvent,
  startBookings,
  type BookingsHarness,
} from './support.js';

interface Booking {
  id: string;
  status: string;
  quantity: number;
  expiresAt: string | null;
  total: { amount: string; currencyCode: string };
}
interface Confirmed {
  id: string;
  status: string;
  payment: { id: string; status: string; amount: { amount: string; currencyCode: string } };
  tickets: { id: string; code: string }[];
}

let bookings: BookingsHarness;
beforeAll(async () => {
  bookings = await startBookings();
});
afterAll(() => bookings?.stop());

const buyer = () => signedIn(randomUUID());
const key = () => `key-${randomUUID()}`;

async function hold(caller: ReturnType<typeof buyer>, ticketTypeId: string, quantity = 2, idempotencyKey = key()) {
  return bookings.graphql<{ holdTickets: { booking: Booking } }>(
    HOLD,
    { ticketTypeId, quantity, idempotencyKey },
    caller,
  );
}
async function confirm(
  caller: ReturnType<typeof buyer>,
  bookingId: string,
  paymentToken = 'tok_sandbox_visa',
  idempotencyKey = key(),
) {
  return bookings.graphql<{ confirmBooking: { booking: Confirmed } }>(
    CONFIRM,
    { bookingId, paymentToken, idempotencyKey },
    caller,
  );
}
async function cancel(caller: ReturnType<typeof buyer>, bookingId: string, idempotencyKey = key()) {
  return bookings.graphql<{
    cancelBooking: {
      booking: { id: string; status: string; refund: { status: string; amount: { amount: string } } | null };
    };
  }>(CANCEL, { bookingId, idempotencyKey }, caller);
}

describe('holding tickets', () => {
  it('holds seats for 15 minutes by default and totals the price in exact money', async () => {
    const event = listedEvent(10);
    await feed(bookings, event);
    const ticketTypeId = event.ticketTypes[0]!.id;
    const before = Date.now();
    const { body } = await hold(buyer(), ticketTypeId, 3);
    const booking = body.data!.holdTickets.booking;
    expect(booking).toMatchObject({ status: 'HELD', quantity: 3, total: { amount: '105.00', currencyCode: 'EUR' } });
    const minutes = (new Date(booking.expiresAt!).getTime() - before) / 60_000;
    expect(minutes).toBeGreaterThan(14.9);
    expect(minutes).toBeLessThan(15.1);
    expect(await available(bookings, ticketTypeId)).toBe(7);
    await eventually(() =>
      bookings.published('platform.bookings.availability.changed.v1').find((e) => e.data.ticketTypeId === ticketTypeId),
    );
  });

  it('refuses a quantity of 0 or above the limit, naming the field', async () => {
    const event = listedEvent(50);
    await feed(bookings, event);
    for (const quantity of [0, 11]) {
      const { body } = await hold(buyer(), event.ticketTypes[0]!.id, quantity);
      expect(errorCode(body)).toBe('BAD_USER_INPUT');
      expect(body.errors![0]!.extensions!.fields).toEqual({ 'input.quantity': 'must be between 1 and 10' });
    }
  });

  it('says NOT_FOUND for an unknown ticket type', async () => {
    for (const ticketTypeId of [randomUUID(), 'not-a-uuid']) {
      const { body } = await hold(buyer(), ticketTypeId);
      expect(errorCode(body)).toBe('NOT_FOUND');
    }
  });

  it('refuses holds on a draft, a cancelled and a past event', async () => {
    const draft = listedEvent(10, { status: 'DRAFT' });
    const cancelled = listedEvent(10, { status: 'CANCELLED' });
    const past = listedEvent(10, { startsAt: '2020-01-01T19:00:00.000Z', endsAt: '2020-01-01T22:00:00.000Z' });
    const cases: [typeof draft, string][] = [
      [draft, 'the event is not published yet'],
      [cancelled, 'the event was cancelled'],
      [past, 'the event has ended'],
    ];
    for (const [event, problem] of cases) {
      await feed(bookings, event);
      const { body } = await hold(buyer(), event.ticketTypes[0]!.id);
      expect(errorCode(body)).toBe('BAD_USER_INPUT');
      expect(body.errors![0]!.extensions!.fields).toEqual({ 'input.ticketTypeId': problem });
    }
  });

  it('refuses more seats than are left with CONFLICT saying how many are left', async () => {
    const event = listedEvent(3);
    await feed(bookings, event);
    const ticketTypeId = event.ticketTypes[0]!.id;
    expect(errorCode((await hold(buyer(), ticketTypeId, 2)).body)).toBeUndefined();
    const { body } = await hold(buyer(), ticketTypeId, 2);
    expect(errorCode(body)).toBe('CONFLICT');
    expect(body.errors![0]!.message).toBe('sold out: 1 left, fewer than the 2 asked for');
  });

  it('requires a signed-in caller', async () => {
    const event = listedEvent(3);
    await feed(bookings, event);
    const { body } = await bookings.graphql(HOLD, {
      ticketTypeId: event.ticketTypes[0]!.id,
      quantity: 1,
      idempotencyKey: key(),
    });
    expect(errorCode(body)).toBe('UNAUTHENTICATED');
  });
});

describe('idempotency keys', () => {
  it('returns the first hold for a retry with the same key, and holds nothing more', async () => {
    const event = listedEvent(10);
    await feed(bookings, event);
    const caller = buyer();
    const ticketTypeId = event.ticketTypes[0]!.id;
    const first = await hold(caller, ticketTypeId, 2, 'same-key');
    const retry = await hold(caller, ticketTypeId, 2, 'same-key');
    expect(retry.body.data!.holdTickets.booking.id).toBe(first.body.data!.holdTickets.booking.id);
    expect((await counts(bookings, ticketTypeId)).held).toBe(2);
  });

  it('answers a retry with what the first attempt answered, even after the booking changed', async () => {
    const event = listedEvent(10);
    await feed(bookings, event);
    const caller = buyer();
    const held = await hold(caller, event.ticketTypes[0]!.id, 2, 'hold-key');
    const bookingId = held.body.data!.holdTickets.booking.id;
    const confirmed = await confirm(caller, bookingId, 'tok_sandbox_visa', 'pay-key');
    expect(confirmed.body.data!.confirmBooking.booking).toMatchObject({
      status: 'CONFIRMED',
      payment: { status: 'SUCCEEDED' },
    });
    await cancel(caller, bookingId);

    // The booking is cancelled and its payment refunded now; the keys still answer as they did.
    const heldAgain = await hold(caller, event.ticketTypes[0]!.id, 2, 'hold-key');
    const confirmedAgain = await confirm(caller, bookingId, 'tok_sandbox_visa', 'pay-key');
    expect(heldAgain.body).toEqual(held.body);
    expect(confirmedAgain.body).toEqual(confirmed.body);
    expect(confirmedAgain.body.data!.confirmBooking.booking.tickets).toHaveLength(2);
    expect(await counts(bookings, event.ticketTypes[0]!.id)).toMatchObject({ held: 0, sold: 0 });
  });

  it('refuses the same key with another input as BAD_USER_INPUT, saying to use a new key', async () => {
    const event = listedEvent(10);
    await feed(bookings, event);
    const caller = buyer();
    await hold(caller, event.ticketTypes[0]!.id, 2, 'reused-key');
    const { body } = await hold(caller, event.ticketTypes[0]!.id, 3, 'reused-key');
    expect(errorCode(body)).toBe('BAD_USER_INPUT');
    expect(body.errors![0]!.extensions!.fields).toEqual({
      'input.idempotencyKey': 'was already used for a different request: use a new key for a new request',
    });
  });

  it("keeps one caller's key apart from another's", async () => {
    const event = listedEvent(10);
    await feed(bookings, event);
    const a = await hold(buyer(), event.ticketTypes[0]!.id, 1, 'shared-key');
    const b = await hold(buyer(), event.ticketTypes[0]!.id, 1, 'shared-key');
    expect(a.body.data!.holdTickets.booking.id).not.toBe(b.body.data!.holdTickets.booking.id);
  });

  it('answers a concurrent duplicate with CONFLICT while the first is in flight, never two holds', async () => {
    const event = listedEvent(100);
    await feed(bookings, event);
    const caller = buyer();
    const results = await Promise.all(
      Array.from({ length: 8 }, () => hold(caller, event.ticketTypes[0]!.id, 1, 'racing-key')),
    );
    const ids = new Set(results.flatMap((r) => (r.body.data ? [r.body.data.holdTickets.booking.id] : [])));
    expect(ids.size).toBe(1);
    for (const r of results) if (!r.body.data) expect(errorCode(r.body)).toBe('CONFLICT');
    expect((await counts(bookings, event.ticketTypes[0]!.id)).held).toBe(1);
  });

  it('never charges twice for a retried confirmation, nor refunds twice for a retried cancellation', async () => {
    const event = listedEvent(10);
    await feed(bookings, event);
    const caller = buyer();
    const booking = (await hold(caller, event.ticketTypes[0]!.id, 2)).body.data!.holdTickets.booking;
    const first = await confirm(caller, booking.id, 'tok_sandbox_visa', 'confirm-key');
    const again = await confirm(caller, booking.id, 'tok_sandbox_visa', 'confirm-key');
    expect(again.body.data!.confirmBooking.booking).toEqual(first.body.data!.confirmBooking.booking);
    // Even a new key for the same booking finds it confirmed instead of paying again.
    const newKey = await confirm(caller, booking.id, 'tok_sandbox_visa', 'another-confirm-key');
    expect(newKey.body.data!.confirmBooking.booking.payment.id).toBe(
      first.body.data!.confirmBooking.booking.payment.id,
    );

    const cancelled = await cancel(caller, booking.id, 'cancel-key');
    const cancelledAgain = await cancel(caller, booking.id, 'cancel-key');
    const cancelledNewKey = await cancel(caller, booking.id, 'another-cancel-key');
    expect(cancelled.body.data!.cancelBooking.booking.refund).toEqual({
      status: 'SUCCEEDED',
      amount: { amount: '70.00', currencyCode: 'EUR' },
    });
    expect(cancelledAgain.body.data).toEqual(cancelled.body.data);
    expect(cancelledNewKey.body.data).toEqual(cancelled.body.data);

    expect(await ledger(bookings, booking.id)).toEqual([
      { kind: 'charge', outcome: 'succeeded', amount: '70.0000', idempotency_key: `booking:${booking.id}:charge:0` },
      { kind: 'refund', outcome: 'succeeded', amount: '70.0000', idempotency_key: `booking:${booking.id}:refund` },
    ]);
  });
});

describe('confirming with the payment provider', () => {
  it('charges the total, issues one unguessable ticket code per seat and moves the seats to sold', async () => {
    const event = listedEvent(10);
    await feed(bookings, event);
    const caller = buyer();
    const ticketTypeId = event.ticketTypes[0]!.id;
    const booking = (await hold(caller, ticketTypeId, 3)).body.data!.holdTickets.booking;
    const { body } = await confirm(caller, booking.id);
    const confirmed = body.data!.confirmBooking.booking;
    expect(confirmed).toMatchObject({
      status: 'CONFIRMED',
      payment: { status: 'SUCCEEDED', amount: { amount: '105.00', currencyCode: 'EUR' } },
    });
    expect(confirmed.tickets).toHaveLength(3);
    expect(new Set(confirmed.tickets.map((t) => t.code)).size).toBe(3);
    // 160 random bits in base32.
    for (const ticket of confirmed.tickets) expect(ticket.code).toMatch(/^[A-Z2-7]{32}$/);
    expect(await counts(bookings, ticketTypeId)).toMatchObject({ sold: 3, held: 0 });
    const [event_] = await eventually(() => {
      const found = bookings
        .published('platform.bookings.booking.confirmed.v1')
        .filter((e) => e.data.bookingId === booking.id);
      return found.length > 0 && found;
    });
    expect(JSON.stringify(event_)).not.toContain(confirmed.tickets[0]!.code);
    expect(JSON.stringify(event_)).not.toContain('tok_sandbox');
  });

  it('leaves the hold in place when the card is declined, then takes another card', async () => {
    const event = listedEvent(10);
    await feed(bookings, event);
    const caller = buyer();
    const booking = (await hold(caller, event.ticketTypes[0]!.id, 1)).body.data!.holdTickets.booking;
    const declined = await confirm(caller, booking.id, 'tok_sandbox_declined');
    expect(errorCode(declined.body)).toBe('BAD_USER_INPUT');
    expect(declined.body.errors![0]!.extensions!.fields).toEqual({
      'input.paymentToken': 'was declined (your card was declined)',
    });
    expect((await counts(bookings, event.ticketTypes[0]!.id)).held).toBe(1);
    const paid = await confirm(caller, booking.id, 'tok_sandbox_visa');
    expect(paid.body.data!.confirmBooking.booking.status).toBe('CONFIRMED');
    expect((await ledger(bookings, booking.id)).map((row) => [row.outcome, row.idempotency_key])).toEqual([
      ['declined', `booking:${booking.id}:charge:0`],
      ['succeeded', `booking:${booking.id}:charge:1`],
    ]);
  });

  it('retries a provider error under the same provider key: charged exactly once', async () => {
    const event = listedEvent(10);
    await feed(bookings, event);
    const caller = buyer();
    const booking = (await hold(caller, event.ticketTypes[0]!.id, 1)).body.data!.holdTickets.booking;
    const { body } = await confirm(caller, booking.id, 'tok_sandbox_provider_error');
    expect(body.data!.confirmBooking.booking.status).toBe('CONFIRMED');
    expect(await ledger(bookings, booking.id)).toHaveLength(1);
    expect(bookings.logs().some((line) => line.includes('payment provider error on charge: retrying'))).toBe(true);
  });

  it("says NOT_FOUND for someone else's booking and CONFLICT for an expired or cancelled one", async () => {
    const event = listedEvent(10);
    await feed(bookings, event);
    const caller = buyer();
    const booking = (await hold(caller, event.ticketTypes[0]!.id, 1)).body.data!.holdTickets.booking;
    expect(errorCode((await confirm(buyer(), booking.id)).body)).toBe('NOT_FOUND');
    expect(errorCode((await cancel(buyer(), booking.id)).body)).toBe('NOT_FOUND');
    await cancel(caller, booking.id);
    const { body } = await confirm(caller, booking.id);
    expect(errorCode(body)).toBe('CONFLICT');
    expect(body.errors![0]!.message).toContain('cancelled');
  });
});

describe('cancelling', () => {
  it('releases a held booking without a refund', async () => {
    const event = listedEvent(10);
    await feed(bookings, event);
    const caller = buyer();
    const booking = (await hold(caller, event.ticketTypes[0]!.id, 4)).body.data!.holdTickets.booking;
    const { body } = await cancel(caller, booking.id);
    expect(body.data!.cancelBooking.booking).toEqual({ id: booking.id, status: 'CANCELLED', refund: null });
    expect(await available(bookings, event.ticketTypes[0]!.id)).toBe(10);
    expect(await ledger(bookings, booking.id)).toEqual([]);
  });

  it('cancels and refunds every booking when listings cancels the event, and publishes what it did', async () => {
    const event = listedEvent(10);
    await feed(bookings, event);
    const a = buyer();
    const b = buyer();
    const paid = (await hold(a, event.ticketTypes[0]!.id, 2)).body.data!.holdTickets.booking;
    await confirm(a, paid.id);
    const held = (await hold(b, event.ticketTypes[0]!.id, 1)).body.data!.holdTickets.booking;
    await feed(bookings, { ...event, version: 2, status: 'CANCELLED' }, 'platform.listings.event.cancelled.v1');
    const status = z.object({ status: z.string() });
    const statusOf = async (id: string) =>
      (await sqlOn(bookings.db).first(status, 'select status from bookings where id = ?', [id]))!.status;
    expect(await statusOf(paid.id)).toBe('CANCELLED');
    expect(await statusOf(held.id)).toBe('CANCELLED');
    expect((await ledger(bookings, paid.id)).map((row) => row.kind)).toEqual(['charge', 'refund']);
    await eventually(() =>
      bookings.published('platform.bookings.refund.issued.v1').find((e) => e.data.bookingId === paid.id),
    );
    const reasons = await eventually(() => {
      const found = bookings
        .published('platform.bookings.booking.cancelled.v1')
        .filter((e) => e.data.eventId === event.id)
        .map((e) => e.data.reason);
      return found.length === 2 && found;
    });
    expect(reasons).toEqual(['event_cancelled', 'event_cancelled']);
    expect(await counts(bookings, event.ticketTypes[0]!.id)).toMatchObject({ sold: 0, held: 0 });
  });

  it('ignores a snapshot older than the one it holds', async () => {
    const event = listedEvent(10, { version: 5 });
    await feed(bookings, event);
    await bookings.publish([
      (await import('./support.js')).snapshotEvent('platform.listings.event.updated.v1', {
        ...event,
        version: 4,
        ticketTypes: [{ ...event.ticketTypes[0]!, capacity: 2 }],
      }),
    ]);
    await feed(bookings, { ...event, version: 6 });
    expect((await counts(bookings, event.ticketTypes[0]!.id)).capacity).toBe(10);
  });
});

describe('checking tickets in', () => {
  async function paidTicket() {
    const event = listedEvent(10);
    await feed(bookings, event);
    const caller = buyer();
    const booking = (await hold(caller, event.ticketTypes[0]!.id, 1)).body.data!.holdTickets.booking;
    const confirmed = (await confirm(caller, booking.id)).body.data!.confirmBooking.booking;
    return { event, code: confirmed.tickets[0]!.code, caller, bookingId: booking.id };
  }
  const checkIn = (code: string, caller: ReturnType<typeof buyer>) =>
    bookings.graphql<{ checkInTicket: { ticket: { id: string; code: string; checkedInAt: string } } }>(
      CHECK_IN,
      { code },
      caller,
    );

  it("lets the event's organizer check a ticket in once; the second scan is CONFLICT saying when", async () => {
    const { event, code } = await paidTicket();
    const organizer = signedIn(event.organizerId);
    const first = await checkIn(code, organizer);
    const at = first.body.data!.checkInTicket.ticket.checkedInAt;
    expect(new Date(at).getTime()).toBeGreaterThan(Date.now() - 60_000);
    const second = await checkIn(code, organizer);
    expect(errorCode(second.body)).toBe('CONFLICT');
    expect(second.body.errors![0]!.message).toBe(`This ticket was already checked in at ${at}`);
  });

  it('refuses anyone else without the check-in permission, and allows those with it', async () => {
    const { code, caller } = await paidTicket();
    expect(errorCode((await checkIn(code, caller)).body)).toBe('FORBIDDEN');
    const steward = signedIn(randomUUID(), [Permission.BookingsTicketCheckin]);
    expect((await checkIn(code, steward)).body.data!.checkInTicket.ticket.code).toBe(code);
  });

  it('says NOT_FOUND for an unknown code and CONFLICT for a cancelled booking', async () => {
    const { event, code, caller, bookingId } = await paidTicket();
    const organizer = signedIn(event.organizerId);
    expect(errorCode((await checkIn('NOSUCHCODE', organizer)).body)).toBe('NOT_FOUND');
    await cancel(caller, bookingId);
    const { body } = await checkIn(code, organizer);
    expect(errorCode(body)).toBe('CONFLICT');
    expect(body.errors![0]!.message).toContain('cancelled');
  });
});

describe('the internal capacity API for listings', () => {
  it('lowers capacity to what is sold and held, and refuses below it with 409', async () => {
    const event = listedEvent(10);
    await feed(bookings, event);
    const ticketTypeId = event.ticketTypes[0]!.id;
    await hold(buyer(), ticketTypeId, 4);
    const refused = await bookings.internal('listings', '/internal/ticket-types/capacity', {
      ticketTypeId,
      eventId: event.id,
      capacity: 3,
    });
    expect(refused).toEqual({ status: 409, body: { error: 'capacity_below_sold', sold: 0, held: 4 } });
    const lowered = await bookings.internal('listings', '/internal/ticket-types/capacity', {
      ticketTypeId,
      eventId: event.id,
      capacity: 4,
    });
    expect(lowered).toEqual({ status: 200, body: { ok: true } });
    expect(await available(bookings, ticketTypeId)).toBe(0);
  });

  it('refuses a bad body with 400 and a missing credential with 401', async () => {
    const bad = await bookings.internal('listings', '/internal/ticket-types/capacity', { capacity: -1 });
    expect(bad.status).toBe(400);
    const anonymous = await bookings.internal(
      'listings',
      '/internal/ticket-types/capacity',
      { ticketTypeId: randomUUID(), eventId: randomUUID(), capacity: 1 },
      { authorization: null },
    );
    expect(anonymous.status).toBe(401);
  });
});
