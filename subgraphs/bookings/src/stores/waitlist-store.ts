/**
 * SQL for the waiting list: entries queue by `seq` per ticket type; a user has at most one
 * open (waiting or offered) entry per ticket type. Position is computed, never stored.
 */
import { sqlOn } from '@platform/service-kit';
import type { Knex } from 'knex';
import { z } from 'zod';
import type { WaitlistEntryModel, WaitlistStatusValue } from '../mappers.js';

const entryRow = z.object({
  id: z.string(),
  user_id: z.string(),
  event_id: z.string(),
  ticket_type_id: z.string(),
  quantity: z.number(),
  status: z.enum(['WAITING', 'OFFERED', 'ACCEPTED', 'LAPSED', 'CANCELLED']),
  position: z.coerce.number().nullable(),
  offer_expires_at: z.date().nullable(),
  booking_id: z.string().nullable(),
  created_at: z.date(),
});
const toEntry = (row: z.infer<typeof entryRow>): WaitlistEntryModel => ({
  id: row.id,
  userId: row.user_id,
  eventId: row.event_id,
  ticketTypeId: row.ticket_type_id,
  quantity: row.quantity,
  status: row.status,
  position: row.status === 'WAITING' ? row.position : null,
  offerExpiresAt: row.offer_expires_at,
  bookingId: row.booking_id,
  createdAt: row.created_at,
});

const ENTRY = `select w.id, w.user_id, w.event_id, w.ticket_type_id, w.quantity, w.status, w.offer_expires_at, w.booking_id,
    w.created_at,
    (select count(*) from waitlist_entries ahead
      where ahead.ticket_type_id = w.ticket_type_id and ahead.status = 'WAITING' and ahead.seq <= w.seq) as position
  from waitlist_entries w`;

const queries = {
  insert: `insert into waitlist_entries (id, user_id, event_id, ticket_type_id, quantity, status) values (?, ?, ?, ?, ?, 'WAITING')`,
  byId: `${ENTRY} where w.id = ?`,
  openOf: `${ENTRY} where w.user_id = ? and w.ticket_type_id = ? and w.status in ('WAITING', 'OFFERED')`,
  ofUsers: `${ENTRY} where w.user_id = any(?::uuid[]) order by w.seq`,
  waiting: `${ENTRY} where w.ticket_type_id = ? and w.status = 'WAITING' order by w.seq`,
  byBooking: `${ENTRY} where w.booking_id = ?`,
  offer: `update waitlist_entries set status = 'OFFERED', booking_id = ?, offer_expires_at = ? where id = ?`,
  setStatus: `update waitlist_entries set status = ? where id = ?`,
  cancelOpenOfEvent: `update waitlist_entries set status = 'CANCELLED' where event_id = ? and status in ('WAITING', 'OFFERED')`,
} as const;

export interface WaitlistStore {
  insert(entry: {
    id: string;
    userId: string;
    eventId: string;
    ticketTypeId: string;
    quantity: number;
  }): Promise<WaitlistEntryModel>;
  openOf(userId: string, ticketTypeId: string): Promise<WaitlistEntryModel | undefined>;
  ofUsers(userIds: readonly string[]): Promise<WaitlistEntryModel[]>;
  /** The ticket type's waiting entries in queue order (lock the ticket type first). */
  waiting(ticketTypeId: string): Promise<WaitlistEntryModel[]>;
  byBooking(bookingId: string): Promise<WaitlistEntryModel | undefined>;
  offer(entryId: string, bookingId: string, offerExpiresAt: Date): Promise<void>;
  setStatus(entryId: string, status: WaitlistStatusValue): Promise<void>;
  cancelOpenOfEvent(eventId: string): Promise<number>;
}

export function createWaitlistStore(db: Knex): WaitlistStore {
  const sql = sqlOn(db);
  const many = async (query: string, bindings: Knex.RawBinding[]) =>
    (await sql.rows(entryRow, query, bindings)).map(toEntry);
  return {
    async insert(entry) {
      await sql.execute(queries.insert, [entry.id, entry.userId, entry.eventId, entry.ticketTypeId, entry.quantity]);
      return (await many(queries.byId, [entry.id]))[0]!;
    },
    openOf: async (userId, ticketTypeId) => (await many(queries.openOf, [userId, ticketTypeId]))[0],
    ofUsers: (userIds) => many(queries.ofUsers, [[...userIds]]),
    waiting: (ticketTypeId) => many(queries.waiting, [ticketTypeId]),
    byBooking: async (bookingId) => (await many(queries.byBooking, [bookingId]))[0],
    async offer(entryId, bookingId, offerExpiresAt) {
      await sql.execute(queries.offer, [bookingId, offerExpiresAt, entryId]);
    },
    async setStatus(entryId, status) {
      await sql.execute(queries.setStatus, [status, entryId]);
    },
    cancelOpenOfEvent: (eventId) => sql.execute(queries.cancelOpenOfEvent, [eventId]),
  };
}
