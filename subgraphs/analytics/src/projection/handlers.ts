/**
 * The projection: one handler per consumed event type, each run by the kit's consumer inside
 * its deduplication transaction (so a redelivered event is applied once). Every handler is
 * order-tolerant: a booking's row is merged from whichever of its events comes first (each
 * event fills its own columns, `coalesce` keeps the first time recorded), a snapshot replaces
 * only an older version, so any arrival order ends in the same rows.
 */
import { sqlOn, type Logger } from '@platform/service-kit';
import {
  createEventConsumer,
  topicForType,
  type AnyCloudEvent,
  type CloudEvent,
  type EventConsumer,
  type EventTransport,
  type EventType,
} from '@platform/service-kit/events';
import type { Knex } from 'knex';

/** The event types the projection is built from. */
export const PROJECTED_EVENTS = [
  'platform.listings.event.created.v1',
  'platform.listings.event.updated.v1',
  'platform.listings.event.published.v1',
  'platform.listings.event.cancelled.v1',
  'platform.bookings.booking.held.v1',
  'platform.bookings.booking.confirmed.v1',
  'platform.bookings.booking.expired.v1',
  'platform.bookings.booking.cancelled.v1',
  'platform.bookings.refund.issued.v1',
  'platform.bookings.waitlist.joined.v1',
  'platform.bookings.waitlist.offered.v1',
  'platform.bookings.ticket.checked_in.v1',
  'platform.identity.user.registered.v1',
  'platform.auth.login.succeeded.v1',
] as const satisfies readonly EventType[];

export type ProjectedEvent = (typeof PROJECTED_EVENTS)[number];

type Handlers = { [T in ProjectedEvent]: (event: CloudEvent<T>, trx: Knex.Transaction) => Promise<void> };

type Snapshot = CloudEvent<'platform.listings.event.created.v1'>['data']['event'];

async function upsertSnapshot(trx: Knex.Transaction, event: Snapshot): Promise<void> {
  // Capacity is what is on sale: the sum of the ticket types' capacities.
  const capacity = event.ticketTypes.reduce((sum, type) => sum + type.capacity, 0);
  const currency = event.ticketTypes[0]?.price.currencyCode ?? null;
  await sqlOn(trx).execute(
    `insert into event_snapshots (event_id, version, organizer_id, status, time_zone, capacity, currency_code)
     values (?, ?, ?, ?, ?, ?, ?)
     on conflict (event_id) do update set
       version = excluded.version, organizer_id = excluded.organizer_id, status = excluded.status,
       time_zone = excluded.time_zone, capacity = excluded.capacity, currency_code = excluded.currency_code
     where event_snapshots.version < excluded.version`,
    [event.id, event.version, event.organizerId, event.status, event.venue.timeZone, capacity, currency],
  );
}

interface BookingFact {
  bookingId: string;
  eventId: string;
  quantity: number;
  /** The booking's total when the event carries it (held, confirmed); else 0 until one does. */
  total: { amount: string; currencyCode: string } | null;
  column: 'held_at' | 'confirmed_at' | 'expired_at' | 'cancelled_at';
  at: string;
  expiresAt?: string;
}

/** Merges one fact into the booking's row; the first time seen for a column stays. */
async function mergeBooking(trx: Knex.Transaction, fact: BookingFact): Promise<void> {
  const column = fact.column;
  await sqlOn(trx).execute(
    `insert into booking_facts (booking_id, event_id, quantity, total_amount, currency_code, expires_at, ${column})
     values (?, ?, ?, ?, ?, ?, ?)
     on conflict (booking_id) do update set
       ${column} = coalesce(booking_facts.${column}, excluded.${column}),
       expires_at = coalesce(excluded.expires_at, booking_facts.expires_at),
       total_amount = case when ? then excluded.total_amount else booking_facts.total_amount end,
       currency_code = case when ? then excluded.currency_code else booking_facts.currency_code end`,
    [
      fact.bookingId,
      fact.eventId,
      fact.quantity,
      fact.total?.amount ?? '0',
      fact.total?.currencyCode ?? '',
      fact.expiresAt ?? null,
      fact.at,
      fact.total !== null,
      fact.total !== null,
    ],
  );
}

export const projectionHandlers: Handlers = {
  'platform.listings.event.created.v1': (event, trx) => upsertSnapshot(trx, event.data.event),
  'platform.listings.event.updated.v1': (event, trx) => upsertSnapshot(trx, event.data.event),
  'platform.listings.event.published.v1': (event, trx) => upsertSnapshot(trx, event.data.event),
  'platform.listings.event.cancelled.v1': (event, trx) => upsertSnapshot(trx, event.data.event),

  'platform.bookings.booking.held.v1': ({ data, time }, trx) =>
    mergeBooking(trx, { ...data, total: data.total, column: 'held_at', at: time, expiresAt: data.expiresAt }),
  'platform.bookings.booking.confirmed.v1': ({ data, time }, trx) =>
    mergeBooking(trx, { ...data, total: data.total, column: 'confirmed_at', at: time }),
  'platform.bookings.booking.expired.v1': ({ data, time }, trx) =>
    mergeBooking(trx, { ...data, total: null, column: 'expired_at', at: time }),
  async 'platform.bookings.booking.cancelled.v1'({ data, time }, trx) {
    await mergeBooking(trx, { ...data, total: null, column: 'cancelled_at', at: time });
    // A confirmed booking's confirmation may not have arrived yet; the cancellation vouches for it.
    if (data.previousStatus === 'CONFIRMED') {
      await mergeBooking(trx, { ...data, total: null, column: 'confirmed_at', at: time });
    }
  },
  'platform.bookings.refund.issued.v1': async ({ data, time }, trx) => {
    await sqlOn(trx).execute(
      `insert into refund_facts (refund_id, booking_id, event_id, amount, currency_code, issued_at)
       values (?, ?, ?, ?, ?, ?) on conflict (refund_id) do nothing`,
      [data.refundId, data.bookingId, data.eventId, data.amount.amount, data.amount.currencyCode, time],
    );
  },
  'platform.bookings.waitlist.joined.v1': async ({ data, time }, trx) => {
    await sqlOn(trx).execute(
      `insert into waitlist_facts (entry_id, event_id, quantity, joined_at) values (?, ?, ?, ?)
       on conflict (entry_id) do update set joined_at = coalesce(waitlist_facts.joined_at, excluded.joined_at)`,
      [data.entryId, data.eventId, data.quantity, time],
    );
  },
  'platform.bookings.waitlist.offered.v1': async ({ data, time }, trx) => {
    await sqlOn(trx).execute(
      `insert into waitlist_facts (entry_id, event_id, quantity, offered_at) values (?, ?, ?, ?)
       on conflict (entry_id) do update set offered_at = coalesce(waitlist_facts.offered_at, excluded.offered_at)`,
      [data.entryId, data.eventId, data.quantity, time],
    );
  },
  'platform.bookings.ticket.checked_in.v1': async ({ data }, trx) => {
    await sqlOn(trx).execute(
      `insert into check_in_facts (ticket_id, event_id, checked_in_at) values (?, ?, ?)
       on conflict (ticket_id) do nothing`,
      [data.ticketId, data.eventId, data.checkedInAt],
    );
  },
  'platform.identity.user.registered.v1': async ({ data, time }, trx) => {
    await sqlOn(trx).execute(
      `insert into user_registrations (user_id, registered_at) values (?, ?) on conflict (user_id) do nothing`,
      [data.userId, time],
    );
  },
  'platform.auth.login.succeeded.v1': async ({ data, time }, trx) => {
    await sqlOn(trx).execute(
      `insert into login_facts (session_id, user_id, logged_in_at) values (?, ?, ?)
       on conflict (session_id) do nothing`,
      [data.sessionId, data.userId, time],
    );
  },
};

/**
 * A consumer that builds the projection into `db` from the start of the topics: a group id
 * never used before has no committed offset, so the transport starts at the oldest message.
 * Point it at a freshly migrated database; the running service's own group is untouched.
 */
export function createReplayConsumer(options: {
  db: Knex;
  transport: EventTransport;
  logger: Logger;
  groupId: string;
}): EventConsumer {
  const handlers = projectionHandlers as Partial<
    Record<EventType, (event: AnyCloudEvent, trx: Knex.Transaction) => Promise<void>>
  >;
  return createEventConsumer({
    ...options,
    topics: [...new Set(PROJECTED_EVENTS.map((type) => topicForType(type)))],
    handler: async (event, trx) => {
      await handlers[event.type]?.(event, trx);
    },
  });
}
