/**
 * SQL for bookings and what hangs off one: its payment, its refund and its tickets. Status
 * changes of a booking happen with its row locked (`lock`), so a confirmation, a
 * cancellation and the expiry sweep never act on one booking at once.
 */
import { Money, sqlOn } from '@platform/service-kit';
import type { Knex } from 'knex';
import { z } from 'zod';
import type { BookingModel, BookingStatusValue, PaymentModel, RefundModel, TicketModel } from '../mappers.js';

const STATUS = z.enum(['HELD', 'CONFIRMED', 'CANCELLED', 'EXPIRED']);
const bookingRow = z.object({
  id: z.string(),
  user_id: z.string(),
  event_id: z.string(),
  ticket_type_id: z.string(),
  quantity: z.number(),
  status: STATUS,
  total_amount: z.string(),
  currency_code: z.string(),
  expires_at: z.date(),
  created_at: z.date(),
  payment_attempt: z.number(),
});
export type LockedBooking = BookingModel & { paymentAttempt: number };
const toBooking = (row: z.infer<typeof bookingRow>): LockedBooking => ({
  id: row.id,
  userId: row.user_id,
  eventId: row.event_id,
  ticketTypeId: row.ticket_type_id,
  quantity: row.quantity,
  status: row.status,
  total: Money.of(row.total_amount, row.currency_code),
  expiresAt: row.expires_at,
  createdAt: row.created_at,
  paymentAttempt: row.payment_attempt,
});

const paymentRow = z.object({
  id: z.string(),
  booking_id: z.string(),
  status: z.enum(['SUCCEEDED', 'REFUNDED']),
  amount: z.string(),
  currency_code: z.string(),
  provider_charge_id: z.string(),
  created_at: z.date(),
});
const refundRow = z.object({
  id: z.string(),
  booking_id: z.string(),
  status: z.literal('SUCCEEDED'),
  amount: z.string(),
  currency_code: z.string(),
  created_at: z.date(),
});
const ticketRow = z.object({
  id: z.string(),
  booking_id: z.string(),
  code: z.string(),
  checked_in_at: z.date().nullable(),
});
const ticketAtDoorRow = ticketRow.extend({
  user_id: z.string(),
  event_id: z.string(),
  organizer_id: z.string(),
  booking_status: STATUS,
});

/**
 * A booking with its payment, refund and tickets as this connection sees them, as one jsonb
 * value (`?` the booking id): a keyed mutation's answer, stored with its key
 * (idempotency-store.ts) so a retry answers exactly what the first attempt did.
 */
export const BOOKING_ANSWER = `select jsonb_build_object(
    'id', b.id, 'userId', b.user_id, 'eventId', b.event_id, 'ticketTypeId', b.ticket_type_id,
    'quantity', b.quantity, 'status', b.status, 'total', b.total_amount::text, 'currencyCode', b.currency_code,
    'expiresAt', b.expires_at, 'createdAt', b.created_at,
    'payment', (select jsonb_build_object('id', p.id, 'status', p.status, 'amount', p.amount::text,
        'currencyCode', p.currency_code, 'createdAt', p.created_at)
      from payments p where p.booking_id = b.id),
    'refund', (select jsonb_build_object('id', r.id, 'status', r.status, 'amount', r.amount::text,
        'currencyCode', r.currency_code, 'createdAt', r.created_at)
      from refunds r where r.booking_id = b.id),
    'tickets', coalesce((select jsonb_agg(jsonb_build_object('id', t.id, 'code', t.code, 'checkedInAt', t.checked_in_at)
        order by t.id)
      from tickets t where t.booking_id = b.id), '[]'::jsonb))
  from bookings b where b.id = ?`;

const instant = z.string().transform((value) => new Date(value));
/** `BOOKING_ANSWER`'s value as the booking it answers (with `answered`). */
export const bookingAnswer = z
  .object({
    id: z.string(),
    userId: z.string(),
    eventId: z.string(),
    ticketTypeId: z.string(),
    quantity: z.number(),
    status: STATUS,
    total: z.string(),
    currencyCode: z.string(),
    expiresAt: instant,
    createdAt: instant,
    payment: z
      .object({
        id: z.string(),
        status: z.enum(['SUCCEEDED', 'REFUNDED']),
        amount: z.string(),
        currencyCode: z.string(),
        createdAt: instant,
      })
      .nullable(),
    refund: z
      .object({
        id: z.string(),
        status: z.literal('SUCCEEDED'),
        amount: z.string(),
        currencyCode: z.string(),
        createdAt: instant,
      })
      .nullable(),
    tickets: z.array(z.object({ id: z.string(), code: z.string(), checkedInAt: instant.nullable() })),
  })
  .transform((answer): BookingModel => ({
    id: answer.id,
    userId: answer.userId,
    eventId: answer.eventId,
    ticketTypeId: answer.ticketTypeId,
    quantity: answer.quantity,
    status: answer.status,
    total: Money.of(answer.total, answer.currencyCode),
    expiresAt: answer.expiresAt,
    createdAt: answer.createdAt,
    answered: {
      payment: answer.payment && {
        id: answer.payment.id,
        bookingId: answer.id,
        status: answer.payment.status,
        amount: Money.of(answer.payment.amount, answer.payment.currencyCode),
        createdAt: answer.payment.createdAt,
      },
      refund: answer.refund && {
        id: answer.refund.id,
        bookingId: answer.id,
        status: answer.refund.status,
        amount: Money.of(answer.refund.amount, answer.refund.currencyCode),
        createdAt: answer.refund.createdAt,
      },
      tickets: answer.tickets.map((ticket) => ({ ...ticket, bookingId: answer.id })),
    },
  }));

const BOOKING = `select id, user_id, event_id, ticket_type_id, quantity, status, total_amount::text as total_amount,
  currency_code, expires_at, created_at, payment_attempt from bookings`;
const PAYMENT = `select id, booking_id, status, amount::text as amount, currency_code, provider_charge_id, created_at from payments`;

const queries = {
  insert: `insert into bookings (id, user_id, event_id, ticket_type_id, quantity, status, total_amount, currency_code, expires_at)
    values (?, ?, ?, ?, ?, 'HELD', ?, ?, now() + make_interval(secs => ?))
    returning id, user_id, event_id, ticket_type_id, quantity, status, total_amount::text as total_amount, currency_code,
      expires_at, created_at, payment_attempt`,
  byIds: `${BOOKING} where id = any(?::uuid[])`,
  lock: `${BOOKING} where id = ? for update`,
  // Due holds, oldest first; rows another replica is sweeping are skipped, not waited for.
  lockDue: `${BOOKING} where status = 'HELD' and expires_at <= now() order by expires_at limit ? for update skip locked`,
  lockOpenOfEvent: `${BOOKING} where event_id = ? and status in ('HELD', 'CONFIRMED') order by created_at for update`,
  setStatus: `update bookings set status = ?, updated_at = now() where id = ?`,
  countDecline: `update bookings set payment_attempt = payment_attempt + 1, updated_at = now() where id = ?`,
  pageOfUsers: `select * from (
      select b.*, row_number() over (partition by b.user_id order by b.created_at desc, b.id desc) as rank
      from (${BOOKING}) b
      where b.user_id = any(?::uuid[]) and (?::timestamptz is null or (b.created_at, b.id) < (?::timestamptz, ?::uuid))
    ) ranked where rank <= ? order by user_id, rank`,
  insertPayment: `insert into payments (id, booking_id, status, amount, currency_code, provider, provider_charge_id)
    values (?, ?, 'SUCCEEDED', ?, ?, ?, ?)`,
  paymentOf: `${PAYMENT} where booking_id = ?`,
  paymentsOf: `${PAYMENT} where booking_id = any(?::uuid[])`,
  markRefunded: `update payments set status = 'REFUNDED' where id = ?`,
  insertRefund: `insert into refunds (id, booking_id, payment_id, status, amount, currency_code, provider_refund_id)
    values (?, ?, ?, 'SUCCEEDED', ?, ?, ?)`,
  refundsOf: `select id, booking_id, status, amount::text as amount, currency_code, created_at from refunds
    where booking_id = any(?::uuid[])`,
  insertTicket: `insert into tickets (id, booking_id, code) values (?, ?, ?)`,
  ticketsOf: `select id, booking_id, code, checked_in_at from tickets where booking_id = any(?::uuid[]) order by id`,
  ticketByCode: `select t.id, t.booking_id, t.code, t.checked_in_at, b.user_id, b.event_id, b.status as booking_status,
      e.organizer_id
    from tickets t join bookings b on b.id = t.booking_id join events e on e.id = b.event_id where t.code = ?`,
  checkIn: `update tickets set checked_in_at = now(), checked_in_by = ? where id = ? and checked_in_at is null
    returning id, booking_id, code, checked_in_at`,
} as const;

const toPayment = (row: z.infer<typeof paymentRow>): PaymentModel & { providerChargeId: string } => ({
  id: row.id,
  bookingId: row.booking_id,
  status: row.status,
  amount: Money.of(row.amount, row.currency_code),
  createdAt: row.created_at,
  providerChargeId: row.provider_charge_id,
});
const toTicket = (row: z.infer<typeof ticketRow>): TicketModel => ({
  id: row.id,
  bookingId: row.booking_id,
  code: row.code,
  checkedInAt: row.checked_in_at,
});

export interface TicketAtDoor extends TicketModel {
  userId: string;
  eventId: string;
  organizerId: string;
  bookingStatus: BookingStatusValue;
}

export interface BookingStore {
  insert(booking: {
    id: string;
    userId: string;
    eventId: string;
    ticketTypeId: string;
    quantity: number;
    total: Money;
    holdSeconds: number;
  }): Promise<LockedBooking>;
  findByIds(ids: readonly string[]): Promise<LockedBooking[]>;
  lock(id: string): Promise<LockedBooking | undefined>;
  lockDue(limit: number): Promise<LockedBooking[]>;
  lockOpenOfEvent(eventId: string): Promise<LockedBooking[]>;
  setStatus(id: string, status: BookingStatusValue): Promise<void>;
  countDecline(id: string): Promise<void>;
  /** Up to `first` bookings of each user, newest first, after the cursor position (if any). */
  pagesOfUsers(
    userIds: readonly string[],
    first: number,
    after: { createdAt: Date; id: string } | null,
  ): Promise<Map<string, LockedBooking[]>>;
  insertPayment(payment: {
    id: string;
    bookingId: string;
    amount: Money;
    provider: string;
    chargeId: string;
  }): Promise<void>;
  paymentOf(bookingId: string): Promise<(PaymentModel & { providerChargeId: string }) | undefined>;
  paymentsOf(bookingIds: readonly string[]): Promise<PaymentModel[]>;
  markRefunded(paymentId: string): Promise<void>;
  insertRefund(refund: {
    id: string;
    bookingId: string;
    paymentId: string;
    amount: Money;
    providerRefundId: string;
  }): Promise<void>;
  refundsOf(bookingIds: readonly string[]): Promise<RefundModel[]>;
  insertTicket(ticket: { id: string; bookingId: string; code: string }): Promise<void>;
  ticketsOf(bookingIds: readonly string[]): Promise<TicketModel[]>;
  ticketByCode(code: string): Promise<TicketAtDoor | undefined>;
  /** Marks the ticket used unless it already was; undefined when it already was. */
  checkIn(ticketId: string, by: string): Promise<TicketModel | undefined>;
}

export function createBookingStore(db: Knex): BookingStore {
  const sql = sqlOn(db);
  const one = async (query: string, bindings: Knex.RawBinding[]) => {
    const row = await sql.first(bookingRow, query, bindings);
    return row && toBooking(row);
  };
  return {
    async insert(booking) {
      const row = await sql.first(bookingRow, queries.insert, [
        booking.id,
        booking.userId,
        booking.eventId,
        booking.ticketTypeId,
        booking.quantity,
        booking.total.format(),
        booking.total.currencyCode,
        booking.holdSeconds,
      ]);
      return toBooking(row!);
    },
    async findByIds(ids) {
      return (await sql.rows(bookingRow, queries.byIds, [[...ids]])).map(toBooking);
    },
    lock: (id) => one(queries.lock, [id]),
    async lockDue(limit) {
      return (await sql.rows(bookingRow, queries.lockDue, [limit])).map(toBooking);
    },
    async lockOpenOfEvent(eventId) {
      return (await sql.rows(bookingRow, queries.lockOpenOfEvent, [eventId])).map(toBooking);
    },
    async setStatus(id, status) {
      await sql.execute(queries.setStatus, [status, id]);
    },
    async countDecline(id) {
      await sql.execute(queries.countDecline, [id]);
    },
    async pagesOfUsers(userIds, first, after) {
      const rows = await sql.rows(bookingRow, queries.pageOfUsers, [
        [...userIds],
        after?.createdAt ?? null,
        after?.createdAt ?? null,
        after?.id ?? null,
        first,
      ]);
      const pages = new Map<string, LockedBooking[]>();
      for (const row of rows) {
        const booking = toBooking(row);
        pages.set(booking.userId, [...(pages.get(booking.userId) ?? []), booking]);
      }
      return pages;
    },
    async insertPayment(payment) {
      await sql.execute(queries.insertPayment, [
        payment.id,
        payment.bookingId,
        payment.amount.format(),
        payment.amount.currencyCode,
        payment.provider,
        payment.chargeId,
      ]);
    },
    async paymentOf(bookingId) {
      const row = await sql.first(paymentRow, queries.paymentOf, [bookingId]);
      return row && toPayment(row);
    },
    async paymentsOf(bookingIds) {
      return (await sql.rows(paymentRow, queries.paymentsOf, [[...bookingIds]])).map(toPayment);
    },
    async markRefunded(paymentId) {
      await sql.execute(queries.markRefunded, [paymentId]);
    },
    async insertRefund(refund) {
      await sql.execute(queries.insertRefund, [
        refund.id,
        refund.bookingId,
        refund.paymentId,
        refund.amount.format(),
        refund.amount.currencyCode,
        refund.providerRefundId,
      ]);
    },
    async refundsOf(bookingIds) {
      return (await sql.rows(refundRow, queries.refundsOf, [[...bookingIds]])).map((row) => ({
        id: row.id,
        bookingId: row.booking_id,
        status: row.status,
        amount: Money.of(row.amount, row.currency_code),
        createdAt: row.created_at,
      }));
    },
    async insertTicket(ticket) {
      await sql.execute(queries.insertTicket, [ticket.id, ticket.bookingId, ticket.code]);
    },
    async ticketsOf(bookingIds) {
      return (await sql.rows(ticketRow, queries.ticketsOf, [[...bookingIds]])).map(toTicket);
    },
    async ticketByCode(code) {
      const row = await sql.first(ticketAtDoorRow, queries.ticketByCode, [code]);
      return (
        row && {
          ...toTicket(row),
          userId: row.user_id,
          eventId: row.event_id,
          organizerId: row.organizer_id,
          bookingStatus: row.booking_status,
        }
      );
    },
    async checkIn(ticketId, by) {
      const row = await sql.first(ticketRow, queries.checkIn, [by, ticketId]);
      return row && toTicket(row);
    },
  };
}
