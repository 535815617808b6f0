/**
 * Reads of the projection. Sums of money are taken in Postgres `numeric` (exact) and leave as
 * decimal strings; calendar days are computed in the time zone the caller's question names
 * (the event's own zone for its sales, an explicit one for platform figures).
 */
import { sqlOn } from '@platform/service-kit';
import type { Knex } from 'knex';
import { z } from 'zod';

const count = z.coerce.number().int();

const snapshotRow = z.object({
  event_id: z.string(),
  organizer_id: z.string(),
  status: z.string(),
  time_zone: z.string(),
  capacity: count,
  currency_code: z.string().nullable(),
});

export interface EventFacts {
  eventId: string;
  organizerId: string;
  timeZone: string;
  capacity: number;
  /** The currency of its prices; null while it has no ticket type. */
  currencyCode: string | null;
}

export interface SalesDay {
  date: string;
  ticketsSold: number;
  /** Decimal string, in the event's currency. */
  revenue: string;
}

export interface SalesFigures {
  ticketsSold: number;
  /** Confirmed totals less refunds, as a decimal string in the event's currency. */
  revenue: string;
  activeHolds: number;
  waitlistLength: number;
  cancellations: number;
  checkedIn: number;
  byDay: SalesDay[];
}

const totalsRow = z.object({
  tickets_sold: count,
  confirmed_revenue: z.string(),
  refunded: z.string(),
  active_holds: count,
  cancellations: count,
  waitlist_length: count,
  checked_in: count,
});

const dayRow = z.object({ date: z.string(), tickets_sold: count, revenue: z.string() });

export interface PlatformDay {
  date: string;
  registrations: number;
  activeUsers: number;
  bookings: number;
  revenue: { amount: string; currencyCode: string }[];
}

const platformRow = z.object({
  date: z.string(),
  registrations: count,
  active_users: count,
  bookings: count,
});

const platformRevenueRow = z.object({ date: z.string(), currency_code: z.string(), amount: z.string() });

export function createFiguresStore(db: Knex) {
  const sql = sqlOn(db);
  return {
    async eventFacts(eventIds: readonly string[]): Promise<EventFacts[]> {
      if (eventIds.length === 0) return [];
      const rows = await sql.rows(
        snapshotRow,
        `select event_id, organizer_id, status, time_zone, capacity, currency_code
         from event_snapshots where event_id = any(?::uuid[])`,
        [[...eventIds]],
      );
      return rows.map((row) => ({
        eventId: row.event_id,
        organizerId: row.organizer_id,
        timeZone: row.time_zone,
        capacity: row.capacity,
        currencyCode: row.currency_code,
      }));
    },

    /** The figures of one event at `now`; money in `currencyCode` only. */
    async sales(event: EventFacts, now: Date): Promise<SalesFigures> {
      const currency = event.currencyCode ?? '';
      const totals = await sql.first(
        totalsRow,
        `select
           (select coalesce(sum(quantity), 0) from booking_facts
             where event_id = ? and confirmed_at is not null and cancelled_at is null) as tickets_sold,
           (select coalesce(sum(total_amount), 0)::text from booking_facts
             where event_id = ? and confirmed_at is not null and currency_code = ?) as confirmed_revenue,
           (select coalesce(sum(amount), 0)::text from refund_facts
             where event_id = ? and currency_code = ?) as refunded,
           (select coalesce(sum(quantity), 0) from booking_facts
             where event_id = ? and held_at is not null and confirmed_at is null and expired_at is null
               and cancelled_at is null and expires_at > ?) as active_holds,
           (select count(*) from booking_facts where event_id = ? and cancelled_at is not null) as cancellations,
           (select count(*) from waitlist_facts w
             where w.event_id = ? and w.joined_at is not null and w.offered_at is null
               and not exists (select 1 from event_snapshots e where e.event_id = w.event_id and e.status = 'CANCELLED')
           ) as waitlist_length,
           (select count(*) from check_in_facts where event_id = ?) as checked_in`,
        [
          event.eventId,
          event.eventId,
          currency,
          event.eventId,
          currency,
          event.eventId,
          now.toISOString(),
          event.eventId,
          event.eventId,
          event.eventId,
        ],
      );
      if (!totals) throw new Error('the totals query returned no row');
      const days = await sql.rows(
        dayRow,
        `select (confirmed_at at time zone ?)::date::text as date,
                sum(quantity) as tickets_sold,
                (sum(total_amount) filter (where currency_code = ?))::text as revenue
         from booking_facts where event_id = ? and confirmed_at is not null
         group by 1 order by 1`,
        [event.timeZone, currency, event.eventId],
      );
      const revenue = await sql.first(z.object({ net: z.string() }), `select (?::numeric - ?::numeric)::text as net`, [
        totals.confirmed_revenue,
        totals.refunded,
      ]);
      return {
        ticketsSold: totals.tickets_sold,
        revenue: revenue?.net ?? '0',
        activeHolds: totals.active_holds,
        waitlistLength: totals.waitlist_length,
        cancellations: totals.cancellations,
        checkedIn: totals.checked_in,
        byDay: days.map((day) => ({ date: day.date, ticketsSold: day.tickets_sold, revenue: day.revenue ?? '0' })),
      };
    },

    /** Every day from `from` to `to` (inclusive) in `timeZone`, days without activity included. */
    async platformDays(from: string, to: string, timeZone: string): Promise<PlatformDay[]> {
      const days = await sql.rows(
        platformRow,
        `with days as (select d::date as day from generate_series(?::date, ?::date, interval '1 day') d)
         select days.day::text as date,
           (select count(*) from user_registrations r where (r.registered_at at time zone ?)::date = days.day)
             as registrations,
           (select count(distinct l.user_id) from login_facts l where (l.logged_in_at at time zone ?)::date = days.day)
             as active_users,
           (select count(*) from booking_facts b where (b.confirmed_at at time zone ?)::date = days.day) as bookings
         from days order by days.day`,
        [from, to, timeZone, timeZone, timeZone],
      );
      const revenue = await sql.rows(
        platformRevenueRow,
        `select (confirmed_at at time zone ?)::date::text as date, currency_code, sum(total_amount)::text as amount
         from booking_facts
         where confirmed_at is not null and (confirmed_at at time zone ?)::date between ?::date and ?::date
         group by 1, 2 order by 1, 2`,
        [timeZone, timeZone, from, to],
      );
      return days.map((day) => ({
        date: day.date,
        registrations: day.registrations,
        activeUsers: day.active_users,
        bookings: day.bookings,
        revenue: revenue
          .filter((row) => row.date === day.date)
          .map((row) => ({ amount: row.amount, currencyCode: row.currency_code })),
      }));
    },
  };
}

export type FiguresStore = ReturnType<typeof createFiguresStore>;
