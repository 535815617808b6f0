/**
 * SQL for the event aggregate: events and their ticket types. Rows are checked at this
 * boundary and returned as models; ids given here must already be UUIDs. `numeric` arrives
 * as a string (see the kit's database.ts) and becomes `Money` without passing through a float.
 */
import { Money, sqlOn, type Database } from '@platform/service-kit';
import { z } from 'zod';
import type { EventModel, StoredEventStatus, TicketTypeModel } from '../mappers.js';

const eventRow = z.object({
  id: z.string(),
  organizer_id: z.string(),
  venue_id: z.string(),
  title: z.string(),
  description: z.string(),
  category: z.string(),
  status: z.enum(['DRAFT', 'PUBLISHED', 'CANCELLED']),
  starts_at: z.date(),
  ends_at: z.date(),
  version: z.number().int(),
  cancellation_reason: z.string().nullable(),
  published_at: z.date().nullable(),
});

const ticketTypeRow = z.object({
  id: z.string(),
  event_id: z.string(),
  name: z.string(),
  capacity: z.number().int(),
  price_amount: z.string(),
  price_currency: z.string(),
});

const EVENT_COLUMNS =
  'id, organizer_id, venue_id, title, description, category, status, starts_at, ends_at, version, cancellation_reason, published_at';
const TICKET_TYPE_COLUMNS = 'id, event_id, name, capacity, price_amount, price_currency';

const sql = {
  findManyByIds: `select ${EVENT_COLUMNS} from events where id = any(?::uuid[])`,
  lockById: `select ${EVENT_COLUMNS} from events where id = ? for update`,
  pageById: `select ${EVENT_COLUMNS} from events where (?::uuid is null or id > ?::uuid) order by id limit ?`,
  publishedPage: `select ${EVENT_COLUMNS} from events
    where status = 'PUBLISHED' and (?::timestamptz is null or (starts_at, id) > (?::timestamptz, ?::uuid))
    order by starts_at, id limit ?`,
  create: `insert into events (id, organizer_id, venue_id, title, description, category, starts_at, ends_at)
    values (?, ?, ?, ?, ?, ?, ?, ?) returning ${EVENT_COLUMNS}`,
  // Every change bumps the version in the same statement, so no change can forget it.
  update: `update events set title = ?, description = ?, category = ?, starts_at = ?, ends_at = ?, status = ?,
      cancellation_reason = ?,
      published_at = case when ? = 'PUBLISHED' and published_at is null then now() else published_at end,
      cancelled_at = case when ? = 'CANCELLED' and cancelled_at is null then now() else cancelled_at end,
      version = version + 1, updated_at = now()
    where id = ? returning ${EVENT_COLUMNS}`,
  bumpVersion: `update events set version = version + 1, updated_at = now() where id = ? returning ${EVENT_COLUMNS}`,
  ticketTypesOf: `select ${TICKET_TYPE_COLUMNS} from ticket_types where event_id = any(?::uuid[]) order by position, id`,
  ticketTypesByIds: `select ${TICKET_TYPE_COLUMNS} from ticket_types where id = any(?::uuid[])`,
  insertTicketType: `insert into ticket_types (event_id, name, capacity, price_amount, price_currency, position)
    values (?, ?, ?, ?::numeric, ?, coalesce((select max(position) + 1 from ticket_types where event_id = ?), 0))
    returning ${TICKET_TYPE_COLUMNS}`,
  updateTicketType: `update ticket_types set name = ?, capacity = ?, price_amount = ?::numeric, price_currency = ?
    where id = ? returning ${TICKET_TYPE_COLUMNS}`,
  largestCapacityAtVenue: `select e.id, e.title, coalesce(sum(t.capacity), 0)::int as capacity
    from events e left join ticket_types t on t.event_id = e.id
    where e.venue_id = ? and e.status <> 'CANCELLED'
    group by e.id order by capacity desc, e.id limit 1`,
} as const;

function toEvent(row: z.infer<typeof eventRow>): EventModel {
  return {
    id: row.id,
    organizerId: row.organizer_id,
    venueId: row.venue_id,
    title: row.title,
    description: row.description,
    category: row.category,
    status: row.status,
    startsAt: row.starts_at,
    endsAt: row.ends_at,
    version: row.version,
    cancellationReason: row.cancellation_reason,
    publishedAt: row.published_at,
  };
}

function toTicketType(row: z.infer<typeof ticketTypeRow>): TicketTypeModel {
  return {
    id: row.id,
    eventId: row.event_id,
    name: row.name,
    capacity: row.capacity,
    price: Money.of(row.price_amount, row.price_currency),
  };
}

/**
 * An event with its ticket types as this connection sees them, as one jsonb value in the rows'
 * own shape (`?` the event id; amounts as text, never a float): a keyed createEvent's answer,
 * stored with its key (idempotency-store.ts) so a retry answers exactly what the first attempt did.
 */
export const EVENT_ANSWER = `select to_jsonb(e) || jsonb_build_object('ticket_types', coalesce(
    (select jsonb_agg(to_jsonb(t) order by t.position, t.id) from (
      select id, event_id, name, capacity, price_amount::text as price_amount, price_currency, position
      from ticket_types where event_id = e.id) t), '[]'::jsonb))
  from (select ${EVENT_COLUMNS} from events where id = ?) e`;

const instant = z.string().transform((value) => new Date(value));
/** `EVENT_ANSWER`'s value as the event it answers, its ticket types in `answered`. */
export const eventAnswer = eventRow
  .extend({
    starts_at: instant,
    ends_at: instant,
    published_at: instant.nullable(),
    ticket_types: z.array(ticketTypeRow),
  })
  .transform((row): EventModel => ({ ...toEvent(row), answered: { ticketTypes: row.ticket_types.map(toTicketType) } }));

/** What an organizer sets on an event. */
export interface EventDetails {
  title: string;
  description: string;
  category: string;
  startsAt: Date;
  endsAt: Date;
}

/** A ticket type as written (without its ids). */
export interface TicketTypeFields {
  name: string;
  capacity: number;
  price: Money;
}

/** An event's change: its details, its status and (when cancelled) why. */
export type EventChange = EventDetails & { status: StoredEventStatus; cancellationReason: string | null };

export interface EventStore {
  /** The events among `ids`, in no particular order, in one query. */
  findManyByIds(ids: readonly string[]): Promise<EventModel[]>;
  /** The event, locked until the transaction ends: changes of one event and its ticket types serialize on it. */
  lockById(id: string): Promise<EventModel | null>;
  /** Up to `limit` events of every status after the id `after`, by id (search's reindex). */
  pageById(after: string | null, limit: number): Promise<EventModel[]>;
  /** Up to `limit` published events after the `(startsAt, id)` position, in that order. */
  publishedPage(after: { startsAt: Date; id: string } | null, limit: number): Promise<EventModel[]>;
  /** Inserts a draft with the id the caller chose (so an idempotency key can name it first). */
  create(input: EventDetails & { id: string; organizerId: string; venueId: string }): Promise<EventModel>;
  /** Writes the change and bumps the version by one. */
  update(id: string, change: EventChange): Promise<EventModel>;
  /** Bumps the version by one (a ticket type of the event changed). */
  bumpVersion(id: string): Promise<EventModel>;
  /** The ticket types of each event, in the organizer's order; every id of `eventIds` is in the map. */
  ticketTypesOf(eventIds: readonly string[]): Promise<Map<string, TicketTypeModel[]>>;
  ticketTypesByIds(ids: readonly string[]): Promise<TicketTypeModel[]>;
  /** Appends a ticket type; throws the unique violation when the event has one of that name. */
  addTicketType(eventId: string, fields: TicketTypeFields): Promise<TicketTypeModel>;
  updateTicketType(id: string, fields: TicketTypeFields): Promise<TicketTypeModel>;
  /** The event at the venue (not cancelled) with the most ticket capacity, or null when there is none. */
  largestEventAtVenue(venueId: string): Promise<{ id: string; title: string; capacity: number } | null>;
}

/** An event store on `db`, which may be a transaction. */
export function createEventStore(db: Database): EventStore {
  const run = sqlOn(db);
  const store: EventStore = {
    async findManyByIds(ids) {
      if (ids.length === 0) return [];
      return (await run.rows(eventRow, sql.findManyByIds, [[...ids]])).map(toEvent);
    },
    async lockById(id) {
      const row = await run.first(eventRow, sql.lockById, [id]);
      return row ? toEvent(row) : null;
    },
    async pageById(after, limit) {
      return (await run.rows(eventRow, sql.pageById, [after, after, limit])).map(toEvent);
    },
    async publishedPage(after, limit) {
      const startsAt = after ? after.startsAt.toISOString() : null;
      const rows = await run.rows(eventRow, sql.publishedPage, [startsAt, startsAt, after?.id ?? null, limit]);
      return rows.map(toEvent);
    },
    async create(input) {
      const row = await run.first(eventRow, sql.create, [
        input.id,
        input.organizerId,
        input.venueId,
        input.title,
        input.description,
        input.category,
        input.startsAt,
        input.endsAt,
      ]);
      return toEvent(row!);
    },
    async update(id, change) {
      const row = await run.first(eventRow, sql.update, [
        change.title,
        change.description,
        change.category,
        change.startsAt,
        change.endsAt,
        change.status,
        change.cancellationReason,
        change.status,
        change.status,
        id,
      ]);
      return toEvent(row!);
    },
    async bumpVersion(id) {
      return toEvent((await run.first(eventRow, sql.bumpVersion, [id]))!);
    },
    async ticketTypesOf(eventIds) {
      const byEvent = new Map<string, TicketTypeModel[]>(eventIds.map((id) => [id, []]));
      if (eventIds.length === 0) return byEvent;
      for (const row of await run.rows(ticketTypeRow, sql.ticketTypesOf, [[...eventIds]])) {
        byEvent.get(row.event_id)?.push(toTicketType(row));
      }
      return byEvent;
    },
    async ticketTypesByIds(ids) {
      if (ids.length === 0) return [];
      return (await run.rows(ticketTypeRow, sql.ticketTypesByIds, [[...ids]])).map(toTicketType);
    },
    async addTicketType(eventId, fields) {
      const row = await run.first(ticketTypeRow, sql.insertTicketType, [
        eventId,
        fields.name,
        fields.capacity,
        fields.price.format(),
        fields.price.currencyCode,
        eventId,
      ]);
      return toTicketType(row!);
    },
    async updateTicketType(id, fields) {
      const row = await run.first(ticketTypeRow, sql.updateTicketType, [
        fields.name,
        fields.capacity,
        fields.price.format(),
        fields.price.currencyCode,
        id,
      ]);
      return toTicketType(row!);
    },
    async largestEventAtVenue(venueId) {
      const row = await run.first(
        z.object({ id: z.string(), title: z.string(), capacity: z.number().int() }),
        sql.largestCapacityAtVenue,
        [venueId],
      );
      return row ?? null;
    },
  };
  return store;
}
