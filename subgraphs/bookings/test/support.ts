/**
 * What bookings' tests share beyond the kit's harness: bookings started with a fast hold
 * sweep, listings' event snapshots as listings' relay publishes them, and the contract's
 * operations.
 */
import { randomUUID } from 'node:crypto';
import { createEvent, NO_REQUEST, type AnyCloudEvent } from '@platform/service-kit/events';
import {
  contractOperation,
  eventually,
  startSubgraph,
  type StartSubgraphOptions,
  type SubgraphHarness,
} from '@platform/devkit/testing';
import { sqlOn } from '@platform/service-kit';
import { z } from 'zod';
import { bookingsSubgraph } from '../src/subgraph.js';

export type BookingsHarness = SubgraphHarness<typeof bookingsSubgraph>;

export const HOLD = contractOperation('HoldTickets');
export const CONFIRM = contractOperation('ConfirmBooking');
export const CANCEL = contractOperation('CancelBooking');
export const JOIN_WAITLIST = contractOperation('JoinWaitlist');
export const CHECK_IN = contractOperation('CheckInTicket');

/** Bookings on a fresh database, sweeping due holds every 100 ms. */
export function startBookings(options: StartSubgraphOptions<typeof bookingsSubgraph> = {}): Promise<BookingsHarness> {
  return startSubgraph(bookingsSubgraph, {
    ...options,
    env: { HOLD_SWEEP_INTERVAL_MS: '100', ...options.env },
  });
}

export interface ListedEvent {
  id: string;
  version: number;
  organizerId: string;
  status: 'DRAFT' | 'PUBLISHED' | 'CANCELLED';
  startsAt: string;
  endsAt: string;
  ticketTypes: { id: string; name: string; capacity: number; price: { amount: string; currencyCode: string } }[];
}

/** A published event a month from now with one ticket type of `capacity` at 35.00 EUR. */
export function listedEvent(capacity: number, overrides: Partial<ListedEvent> = {}): ListedEvent {
  const startsAt = new Date(Date.now() + 30 * 24 * 3600 * 1000);
  return {
    id: randomUUID(),
    version: 1,
    organizerId: randomUUID(),
    status: 'PUBLISHED',
    startsAt: startsAt.toISOString(),
    endsAt: new Date(startsAt.getTime() + 3 * 3600 * 1000).toISOString(),
    ticketTypes: [{ id: randomUUID(), name: 'Standing', capacity, price: { amount: '35.00', currencyCode: 'EUR' } }],
    ...overrides,
  };
}

type SnapshotType =
  | 'platform.listings.event.created.v1'
  | 'platform.listings.event.updated.v1'
  | 'platform.listings.event.published.v1'
  | 'platform.listings.event.cancelled.v1';

/** The snapshot listings' relay would publish for `event`. */
export function snapshotEvent(type: SnapshotType, event: ListedEvent): AnyCloudEvent {
  const snapshot = {
    ...event,
    title: 'Evening show',
    description: 'Music',
    category: 'music',
    venue: {
      id: randomUUID(),
      organizerId: event.organizerId,
      name: 'Tivoli',
      address: 'Vredenburgkade 11',
      city: 'Utrecht',
      countryCode: 'NL',
      timeZone: 'Europe/Amsterdam',
      capacity: 5000,
      latitude: null,
      longitude: null,
    },
  };
  const common = {
    actorId: event.organizerId,
    target: { type: 'event' as const, id: event.id },
    context: { ...NO_REQUEST, requestId: `req-${randomUUID()}` },
    event: snapshot,
  };
  return type === 'platform.listings.event.cancelled.v1'
    ? createEvent({ type, subject: event.id, data: { ...common, reason: 'the band fell ill' } })
    : createEvent({ type, subject: event.id, data: common });
}

const versionRow = z.object({ version: z.number() });

/** Publishes the snapshot and waits until bookings applied it. */
export async function feed(
  bookings: BookingsHarness,
  event: ListedEvent,
  type: SnapshotType = 'platform.listings.event.published.v1',
): Promise<void> {
  await bookings.publish([snapshotEvent(type, event)]);
  await eventually(
    async () => {
      const row = await sqlOn(bookings.db).first(versionRow, 'select version from events where id = ?', [event.id]);
      return row !== undefined && row.version >= event.version;
    },
    `bookings to apply version ${event.version} of event ${event.id}`,
    30_000,
  );
}

const countsRow = z.object({ sold: z.number(), held: z.number(), capacity: z.number() });

/** The counter row of a ticket type. */
export async function counts(bookings: BookingsHarness, ticketTypeId: string) {
  return (await sqlOn(bookings.db).first(countsRow, 'select sold, held, capacity from ticket_types where id = ?', [
    ticketTypeId,
  ]))!;
}

const ledgerRow = z.object({ kind: z.string(), outcome: z.string(), amount: z.string(), idempotency_key: z.string() });

/** The sandbox provider's own ledger rows for a booking. */
export function ledger(bookings: BookingsHarness, bookingId: string) {
  return sqlOn(bookings.db).rows(
    ledgerRow,
    `select kind, outcome, amount::text as amount, idempotency_key from sandbox_payment_ledger
      where idempotency_key like ? order by created_at`,
    [`booking:${bookingId}:%`],
  );
}

export const AVAILABLE = `query Available($representations: [_Any!]!) {
  _entities(representations: $representations) { ... on TicketType { id available } }
}`;

/** `TicketType.available` as the gateway would ask for it. */
export async function available(bookings: BookingsHarness, ticketTypeId: string): Promise<number> {
  const { body } = await bookings.graphql<{ _entities: { available: number }[] }>(AVAILABLE, {
    representations: [{ __typename: 'TicketType', id: ticketTypeId }],
  });
  return body.data!._entities[0]!.available;
}
