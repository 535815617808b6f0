/**
 * The waiting list: sold out, entries queue with their group's size; freed seats go to the
 * first entry whose whole group fits, as a hold that lapses after WAITLIST_OFFER_HOURS (two
 * seconds here), and a lapse hands the seats to the next entry.
 */
import { randomUUID } from 'node:crypto';
import { errorCode, eventually, signedIn, type GraphQLResponse } from '@platform/devkit/testing';
import type { Caller } from '@platform/service-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  available,
  CANCEL,
  CONFIRM,
  counts,
  feed,
  HOLD,
  JOIN_WAITLIST,
  listedEvent,
  startBookings,
  type BookingsHarness,
} from './support.js';

const OFFER_SECONDS = 2;

const ENTRIES = `query Entries($representations: [_Any!]!) {
  _entities(representations: $representations) {
    ... on User {
      waitlistEntries { id status position quantity offerExpiresAt booking { id status quantity expiresAt } }
    }
  }
}`;

interface Entry {
  id: string;
  status: string;
  position: number | null;
  quantity: number;
  offerExpiresAt: string | null;
  booking: { id: string; status: string; quantity: number; expiresAt: string | null } | null;
}

let bookings: BookingsHarness;
beforeAll(async () => {
  bookings = await startBookings({ env: { WAITLIST_OFFER_HOURS: String(OFFER_SECONDS / 3600) } });
});
afterAll(() => bookings?.stop());

async function buy(caller: Caller, ticketTypeId: string, quantity: number) {
  const { body } = await bookings.graphql<{ holdTickets: { booking: { id: string } } }>(
    HOLD,
    { ticketTypeId, quantity, idempotencyKey: randomUUID() },
    caller,
  );
  const id = body.data!.holdTickets.booking.id;
  await bookings.graphql(
    CONFIRM,
    { bookingId: id, paymentToken: 'tok_sandbox_visa', idempotencyKey: randomUUID() },
    caller,
  );
  return id;
}

const join = (caller: Caller, ticketTypeId: string, quantity: number) =>
  bookings.graphql<{ joinWaitlist: { entry: { id: string; status: string; position: number; quantity: number } } }>(
    JOIN_WAITLIST,
    { ticketTypeId, quantity },
    caller,
  );

async function entryOf(caller: Caller): Promise<Entry> {
  const { body } = (await bookings.graphql(
    ENTRIES,
    { representations: [{ __typename: 'User', id: caller.userId }] },
    caller,
  )) as {
    body: GraphQLResponse<{ _entities: { waitlistEntries: Entry[] }[] }>;
  };
  return body.data!._entities[0]!.waitlistEntries[0]!;
}

describe('the waiting list', () => {
  it('hands a cancellation to the first entry that fits, and its lapse to the next', async () => {
    const event = listedEvent(4);
    await feed(bookings, event);
    const ticketTypeId = event.ticketTypes[0]!.id;
    const first = signedIn(randomUUID());
    await buy(signedIn(randomUUID()), ticketTypeId, 2);
    const cancelled = await buy(first, ticketTypeId, 2);
    expect(await available(bookings, ticketTypeId)).toBe(0);

    // A group of three queues first, then two pairs.
    const trio = signedIn(randomUUID());
    const pairA = signedIn(randomUUID());
    const pairB = signedIn(randomUUID());
    expect((await join(trio, ticketTypeId, 3)).body.data!.joinWaitlist.entry).toMatchObject({
      status: 'WAITING',
      position: 1,
    });
    expect((await join(pairA, ticketTypeId, 2)).body.data!.joinWaitlist.entry).toMatchObject({ position: 2 });
    const pairBEntry = (await join(pairB, ticketTypeId, 2)).body.data!.joinWaitlist.entry;
    expect(pairBEntry).toMatchObject({ position: 3 });
    await eventually(() =>
      bookings.published('platform.bookings.waitlist.joined.v1').find((e) => e.data.entryId === pairBEntry.id),
    );

    // Two seats come free: the trio does not fit, the first pair does.
    await bookings.graphql(CANCEL, { bookingId: cancelled, idempotencyKey: randomUUID() }, first);
    const offered = await entryOf(pairA);
    expect(offered).toMatchObject({ status: 'OFFERED', position: null, booking: { status: 'HELD', quantity: 2 } });
    expect(new Date(offered.offerExpiresAt!).getTime() - Date.now()).toBeLessThanOrEqual(OFFER_SECONDS * 1000);
    expect(await entryOf(trio)).toMatchObject({ status: 'WAITING', position: 1 });
    expect(await available(bookings, ticketTypeId)).toBe(0);
    await eventually(() =>
      bookings.published('platform.bookings.waitlist.offered.v1').find((e) => e.data.entryId === offered.id),
    );

    // The offer lapses: the seats go to the next pair.
    const next = await eventually(
      async () => {
        const entry = await entryOf(pairB);
        return entry.status === 'OFFERED' && entry;
      },
      'the lapsed offer to pass to the next entry',
      10_000,
    );
    expect(await entryOf(pairA)).toMatchObject({ status: 'LAPSED', booking: { status: 'EXPIRED' } });

    // Taking the offer is the normal confirmation.
    const { body } = await bookings.graphql<{ confirmBooking: { booking: { status: string } } }>(
      CONFIRM,
      { bookingId: next.booking!.id, paymentToken: 'tok_sandbox_visa', idempotencyKey: randomUUID() },
      pairB,
    );
    expect(body.data!.confirmBooking.booking.status).toBe('CONFIRMED');
    expect(await entryOf(pairB)).toMatchObject({ status: 'ACCEPTED' });
    expect(await counts(bookings, ticketTypeId)).toMatchObject({ sold: 4, held: 0 });
  });

  it('offers raised capacity to the waiting list first', async () => {
    const event = listedEvent(1);
    await feed(bookings, event);
    const ticketTypeId = event.ticketTypes[0]!.id;
    await buy(signedIn(randomUUID()), ticketTypeId, 1);
    const waiting = signedIn(randomUUID());
    await join(waiting, ticketTypeId, 2);
    await feed(
      bookings,
      { ...event, version: 2, ticketTypes: [{ ...event.ticketTypes[0]!, capacity: 3 }] },
      'platform.listings.event.updated.v1',
    );
    expect(await entryOf(waiting)).toMatchObject({ status: 'OFFERED', booking: { quantity: 2 } });
    expect(await available(bookings, ticketTypeId)).toBe(0);
  });

  it('refuses to queue while tickets are on sale, and returns the same entry to a retry', async () => {
    const event = listedEvent(2);
    await feed(bookings, event);
    const ticketTypeId = event.ticketTypes[0]!.id;
    const caller = signedIn(randomUUID());
    const early = await join(caller, ticketTypeId, 1);
    expect(errorCode(early.body)).toBe('CONFLICT');
    expect(early.body.errors![0]!.message).toContain('2 left');
    await buy(signedIn(randomUUID()), ticketTypeId, 2);
    const entry = (await join(caller, ticketTypeId, 1)).body.data!.joinWaitlist.entry;
    expect((await join(caller, ticketTypeId, 1)).body.data!.joinWaitlist.entry.id).toBe(entry.id);
    expect(errorCode((await join(caller, ticketTypeId, 2)).body)).toBe('CONFLICT');
    expect(errorCode((await join(caller, ticketTypeId, 11)).body)).toBe('BAD_USER_INPUT');
  });

  it('lets only the user themself read their entries and bookings', async () => {
    const { body } = await bookings.graphql(
      ENTRIES,
      { representations: [{ __typename: 'User', id: randomUUID() }] },
      signedIn(randomUUID()),
    );
    expect(errorCode(body)).toBe('FORBIDDEN');
  });
});
