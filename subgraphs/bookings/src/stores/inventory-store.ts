/**
 * SQL for bookings' copy of listings' events and ticket types, and the per-ticket-type
 * counter row (`sold`, `held`) that every change of seats locks first (ADR 0003).
 */
import { Money, sqlOn } from '@platform/service-kit';
import type { Knex } from 'knex';
import { z } from 'zod';

export type EventStatus = 'DRAFT' | 'PUBLISHED' | 'CANCELLED';

export interface EventSnapshot {
  id: string;
  version: number;
  organizerId: string;
  status: EventStatus;
  startsAt: string;
  endsAt: string;
  timeZone: string;
  ticketTypes: { id: string; name: string; capacity: number; price: { amount: string; currencyCode: string } }[];
}

/** A ticket type with its event's facts, as a hold needs them. */
export interface Inventory {
  ticketTypeId: string;
  eventId: string;
  organizerId: string;
  eventStatus: EventStatus;
  startsAt: Date;
  endsAt: Date;
  capacity: number;
  sold: number;
  held: number;
  price: Money;
}

/** Seats on sale: never negative, even after a capacity lowered below what a snapshot said. */
export const availableOf = (inventory: Pick<Inventory, 'capacity' | 'sold' | 'held'>): number =>
  Math.max(0, inventory.capacity - inventory.sold - inventory.held);

const inventoryRow = z.object({
  id: z.string(),
  event_id: z.string(),
  organizer_id: z.string(),
  status: z.enum(['DRAFT', 'PUBLISHED', 'CANCELLED']),
  starts_at: z.date(),
  ends_at: z.date(),
  capacity: z.number(),
  sold: z.number(),
  held: z.number(),
  price_amount: z.string(),
  currency_code: z.string(),
});
const toInventory = (row: z.infer<typeof inventoryRow>): Inventory => ({
  ticketTypeId: row.id,
  eventId: row.event_id,
  organizerId: row.organizer_id,
  eventStatus: row.status,
  startsAt: row.starts_at,
  endsAt: row.ends_at,
  capacity: row.capacity,
  sold: row.sold,
  held: row.held,
  price: Money.of(row.price_amount, row.currency_code),
});

const eventRow = z.object({
  id: z.string(),
  organizer_id: z.string(),
  status: z.enum(['DRAFT', 'PUBLISHED', 'CANCELLED']),
});
const idRow = z.object({ id: z.string() });
const countsRow = z.object({ id: z.string(), capacity: z.number(), sold: z.number(), held: z.number() });

const INVENTORY = `select tt.id, tt.event_id, e.organizer_id, e.status, e.starts_at, e.ends_at, tt.capacity, tt.sold, tt.held,
    tt.price_amount::text as price_amount, tt.currency_code
  from ticket_types tt join events e on e.id = tt.event_id`;

const queries = {
  lock: `${INVENTORY} where tt.id = ? for update of tt`,
  find: `${INVENTORY} where tt.id = ?`,
  countsOf: `select id, capacity, sold, held from ticket_types where id = any(?::uuid[])`,
  event: `select id, organizer_id, status from events where id = ?`,
  // Applied only when newer than what is held: snapshots may arrive late or twice.
  upsertEvent: `insert into events (id, version, organizer_id, status, starts_at, ends_at, time_zone)
    values (?, ?, ?, ?, ?, ?, ?)
    on conflict (id) do update set version = excluded.version, organizer_id = excluded.organizer_id,
      status = excluded.status, starts_at = excluded.starts_at, ends_at = excluded.ends_at,
      time_zone = excluded.time_zone, updated_at = now()
    where events.version < excluded.version
    returning id`,
  upsertTicketType: `insert into ticket_types (id, event_id, name, capacity, price_amount, currency_code)
    values (?, ?, ?, ?, ?, ?)
    on conflict (id) do update set name = excluded.name, capacity = excluded.capacity,
      price_amount = excluded.price_amount, currency_code = excluded.currency_code`,
  setCapacity: `update ticket_types set capacity = ? where id = ?`,
  adjust: `update ticket_types set sold = sold + ?, held = held + ? where id = ?`,
} as const;

export interface InventoryStore {
  /** The ticket type's row, locked for the rest of the transaction; undefined when unknown. */
  lock(ticketTypeId: string): Promise<Inventory | undefined>;
  find(ticketTypeId: string): Promise<Inventory | undefined>;
  /** Capacity, sold and held by ticket type id, for `TicketType.available`. */
  countsOf(ticketTypeIds: readonly string[]): Promise<Map<string, { capacity: number; sold: number; held: number }>>;
  event(eventId: string): Promise<{ id: string; organizerId: string; status: EventStatus } | undefined>;
  /** Stores the snapshot when it is newer than the one held; answers whether it was. */
  applySnapshot(snapshot: EventSnapshot): Promise<boolean>;
  setCapacity(ticketTypeId: string, capacity: number): Promise<void>;
  /** Moves seats between on sale, held and sold (deltas; the row must be locked). */
  adjust(ticketTypeId: string, delta: { sold?: number; held?: number }): Promise<void>;
}

export function createInventoryStore(db: Knex): InventoryStore {
  const sql = sqlOn(db);
  return {
    async lock(ticketTypeId) {
      const row = await sql.first(inventoryRow, queries.lock, [ticketTypeId]);
      return row && toInventory(row);
    },
    async find(ticketTypeId) {
      const row = await sql.first(inventoryRow, queries.find, [ticketTypeId]);
      return row && toInventory(row);
    },
    async countsOf(ids) {
      const rows = await sql.rows(countsRow, queries.countsOf, [[...ids]]);
      return new Map(rows.map((row) => [row.id, { capacity: row.capacity, sold: row.sold, held: row.held }]));
    },
    async event(eventId) {
      const row = await sql.first(eventRow, queries.event, [eventId]);
      return row && { id: row.id, organizerId: row.organizer_id, status: row.status };
    },
    async applySnapshot(snapshot) {
      const applied = await sql.first(idRow, queries.upsertEvent, [
        snapshot.id,
        snapshot.version,
        snapshot.organizerId,
        snapshot.status,
        snapshot.startsAt,
        snapshot.endsAt,
        snapshot.timeZone,
      ]);
      if (!applied) return false;
      for (const ticketType of snapshot.ticketTypes) {
        await sql.execute(queries.upsertTicketType, [
          ticketType.id,
          snapshot.id,
          ticketType.name,
          ticketType.capacity,
          ticketType.price.amount,
          ticketType.price.currencyCode,
        ]);
      }
      return true;
    },
    async setCapacity(ticketTypeId, capacity) {
      await sql.execute(queries.setCapacity, [capacity, ticketTypeId]);
    },
    async adjust(ticketTypeId, delta) {
      await sql.execute(queries.adjust, [delta.sold ?? 0, delta.held ?? 0, ticketTypeId]);
    },
  };
}
