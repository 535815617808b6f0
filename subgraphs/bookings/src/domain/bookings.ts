/**
 * The booking rules, one transaction per change. Seats move between on sale, held and sold
 * only with the ticket type's counter row locked (`select … for update`, ADR 0003), so two
 * replicas can never sell the same seat; a booking's own row is locked before its ticket
 * type's, everywhere, so the locks cannot deadlock. Freed seats go to the waiting list
 * first (`offerFreedSeats`); every change records its events in the same transaction.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import {
  badUserInput,
  conflict,
  forbidden,
  InputProblems,
  notFound,
  Permission,
  type Database,
  type Logger,
  type Money,
} from '@platform/service-kit';
import { createEvent, type AnyCloudEvent, type RequestContext } from '@platform/service-kit/events';
import type { Knex } from 'knex';
import type { BookingModel, TicketModel, WaitlistEntryModel } from '../mappers.js';
import type { LockedBooking } from '../stores/booking-store.js';
import { createStores, type Stores } from '../stores/index.js';
import { availableOf, type EventSnapshot, type Inventory } from '../stores/inventory-store.js';
import { isUuid } from './ids.js';
import { PaymentDeclinedError, type PaymentProvider } from './payments.js';

export interface BookingSettings {
  holdSeconds: number;
  maxTicketsPerBooking: number;
  offerSeconds: number;
}

/** Who asks: a signed-in user (with their permissions) in a request, or the platform (null). */
export interface Actor {
  userId: string | null;
  permissions: readonly string[];
  context: RequestContext;
}

const IDEMPOTENCY_KEY_MAX = 200;
const SWEEP_BATCH = 100;
/** A ticket code: 20 random bytes in base32, 160 bits, unguessable. */
const TICKET_CODE_BYTES = 20;
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function ticketCode(): string {
  const bytes = randomBytes(TICKET_CODE_BYTES);
  let bits = 0;
  let value = 0;
  let code = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      code += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return code;
}

/** The refusal of a hold larger than what is left. */
function soldOut(available: number, asked: number) {
  return conflict(
    available === 0
      ? 'sold out: 0 left (join the waiting list)'
      : `sold out: ${available} left, fewer than the ${asked} asked for`,
  );
}

/** Why an event's tickets are not on sale, or null when they are. */
function notOnSale(inventory: Inventory, now = new Date()): string | null {
  if (inventory.eventStatus === 'DRAFT') return 'the event is not published yet';
  if (inventory.eventStatus === 'CANCELLED') return 'the event was cancelled';
  if (inventory.endsAt <= now) return 'the event has ended';
  if (inventory.startsAt <= now) return 'the event has already started';
  return null;
}

export type BookingService = ReturnType<typeof createBookingService>;

export function createBookingService(dependencies: {
  db: Database;
  payments: PaymentProvider;
  settings: BookingSettings;
  logger: Logger;
  /** Told each hold's outcome, for `bookings_holds_total`. */
  countHold?: (outcome: 'held' | 'sold_out') => void;
  /** Told each booking paid for, once its transaction committed (a replayed confirmation is not told), for the business metrics. */
  countConfirmed?: (total: Money) => void;
}) {
  const { db, payments, settings } = dependencies;
  const countHold = dependencies.countHold ?? (() => undefined);
  const countConfirmed = dependencies.countConfirmed ?? (() => undefined);

  const bookingEvent = (actor: Actor, booking: BookingModel) => ({
    actorId: actor.userId,
    target: { type: 'booking' as const, id: booking.id },
    context: actor.context,
    bookingId: booking.id,
    userId: booking.userId,
    eventId: booking.eventId,
    ticketTypeId: booking.ticketTypeId,
    quantity: booking.quantity,
  });

  /** A hold was placed: by its buyer, or by the platform for a waiting-list offer (`waitlistEntryId`). */
  const bookingHeld = (actor: Actor, booking: BookingModel, waitlistEntryId: string | null) =>
    createEvent({
      type: 'platform.bookings.booking.held.v1',
      subject: booking.id,
      data: {
        ...bookingEvent(actor, booking),
        total: booking.total.toJSON(),
        expiresAt: booking.expiresAt.toISOString(),
        waitlistEntryId,
      },
    });

  /** The ticket type's availability as this transaction leaves it, as an event. */
  async function availabilityChanged(
    s: Stores,
    actor: Actor,
    ticketTypeId: string,
    known?: Inventory,
  ): Promise<AnyCloudEvent> {
    // `known`: the counts this transaction already holds under the lock, saving a read.
    const inventory = known ?? (await s.inventory.find(ticketTypeId))!;
    return createEvent({
      type: 'platform.bookings.availability.changed.v1',
      subject: ticketTypeId,
      data: {
        actorId: actor.userId,
        target: { type: 'ticket_type', id: ticketTypeId },
        context: actor.context,
        eventId: inventory.eventId,
        ticketTypeId,
        capacity: inventory.capacity,
        available: availableOf(inventory),
      },
    });
  }

  /**
   * Offers the ticket type's free seats to its waiting list, in order: each entry whose
   * whole group fits gets a hold of `offerSeconds`. The ticket type must be locked.
   */
  async function offerFreedSeats(s: Stores, actor: Actor, ticketTypeId: string): Promise<void> {
    const inventory = (await s.inventory.find(ticketTypeId))!;
    if (notOnSale(inventory)) return;
    let available = availableOf(inventory);
    if (available === 0) return;
    for (const entry of await s.waitlist.waiting(ticketTypeId)) {
      if (entry.quantity > available) continue;
      const booking = await s.bookings.insert({
        id: randomUUID(),
        userId: entry.userId,
        eventId: inventory.eventId,
        ticketTypeId,
        quantity: entry.quantity,
        total: inventory.price.times(entry.quantity),
        holdSeconds: settings.offerSeconds,
      });
      await s.inventory.adjust(ticketTypeId, { held: entry.quantity });
      await s.waitlist.offer(entry.id, booking.id, booking.expiresAt);
      available -= entry.quantity;
      // The platform made the offer: no actor, whoever freed the seats.
      const platform: Actor = { ...actor, userId: null };
      await s.enqueue(
        bookingHeld(platform, booking, entry.id),
        createEvent({
          type: 'platform.bookings.waitlist.offered.v1',
          subject: entry.id,
          data: {
            actorId: null,
            target: { type: 'waitlist_entry', id: entry.id },
            context: actor.context,
            entryId: entry.id,
            userId: entry.userId,
            eventId: inventory.eventId,
            ticketTypeId,
            quantity: entry.quantity,
            bookingId: booking.id,
            offerExpiresAt: booking.expiresAt.toISOString(),
          },
        }),
      );
      if (available === 0) return;
    }
  }

  /**
   * Runs a keyed mutation once per (caller, key) for 24 hours: a retry gets what the first run
   * answered (stored with the key), a concurrent duplicate CONFLICT, another input
   * BAD_USER_INPUT. `run` ends its transaction with `complete`, which marks the key done and
   * gives the answer to return.
   */
  async function idempotent(
    userId: string,
    key: string,
    request: Record<string, unknown>,
    run: (complete: (s: Stores, bookingId: string) => Promise<BookingModel>) => Promise<BookingModel>,
  ): Promise<BookingModel> {
    if (key.length === 0 || key.length > IDEMPOTENCY_KEY_MAX) {
      throw badUserInput({ 'input.idempotencyKey': `must be 1 to ${IDEMPOTENCY_KEY_MAX} characters` });
    }
    const requestHash = createHash('sha256').update(JSON.stringify(request)).digest('hex');
    const idempotency = createStores(db).idempotency;
    const existing = await idempotency.claim(userId, key, requestHash);
    if (existing) {
      if (existing.requestHash !== requestHash) {
        throw badUserInput(
          { 'input.idempotencyKey': 'was already used for a different request: use a new key for a new request' },
          'This idempotency key belongs to another request',
        );
      }
      if (existing.status === 'in_flight' || !existing.bookingId) {
        throw conflict('A request with this idempotency key is still in progress: retry once it has finished');
      }
      if (existing.answer) return existing.answer;
      // Done before answers were stored with keys (at most a day after the upgrade): the booking as it is.
      const [booking] = await s0().bookings.findByIds([existing.bookingId]);
      return booking!;
    }
    try {
      return await run((s, bookingId) => s.idempotency.complete(userId, key, bookingId));
    } catch (error) {
      await idempotency.release(userId, key);
      throw error;
    }
  }
  const s0 = () => createStores(db);

  function validQuantity(quantity: number): string | null {
    return quantity < 1 || quantity > settings.maxTicketsPerBooking
      ? `must be between 1 and ${settings.maxTicketsPerBooking}`
      : null;
  }

  /** Releases a locked booking's seats and cancels it, refunding a confirmed one; events included. */
  async function cancelLocked(
    s: Stores,
    actor: Actor,
    booking: LockedBooking,
    reason: 'user' | 'event_cancelled',
  ): Promise<void> {
    await s.inventory.lock(booking.ticketTypeId);
    const events: AnyCloudEvent[] = [];
    if (booking.status === 'CONFIRMED') {
      const payment = (await s.bookings.paymentOf(booking.id))!;
      // One refund per booking, whoever asks and however often: the provider key says so.
      const refund = await payments.refund({
        chargeId: payment.providerChargeId,
        amount: payment.amount,
        idempotencyKey: `booking:${booking.id}:refund`,
      });
      const refundId = randomUUID();
      await s.bookings.insertRefund({
        id: refundId,
        bookingId: booking.id,
        paymentId: payment.id,
        amount: refund.amount,
        providerRefundId: refund.id,
      });
      await s.bookings.markRefunded(payment.id);
      await s.inventory.adjust(booking.ticketTypeId, { sold: -booking.quantity });
      events.push(
        createEvent({
          type: 'platform.bookings.refund.issued.v1',
          subject: refundId,
          data: {
            actorId: actor.userId,
            target: { type: 'refund', id: refundId },
            context: actor.context,
            refundId,
            bookingId: booking.id,
            paymentId: payment.id,
            userId: booking.userId,
            eventId: booking.eventId,
            amount: refund.amount.toJSON(),
          },
        }),
      );
    } else {
      await s.inventory.adjust(booking.ticketTypeId, { held: -booking.quantity });
      const entry = await s.waitlist.byBooking(booking.id);
      if (entry?.status === 'OFFERED') await s.waitlist.setStatus(entry.id, 'CANCELLED');
    }
    await s.bookings.setStatus(booking.id, 'CANCELLED');
    await s.enqueue(
      createEvent({
        type: 'platform.bookings.booking.cancelled.v1',
        subject: booking.id,
        data: {
          ...bookingEvent(actor, booking),
          previousStatus: booking.status as 'HELD' | 'CONFIRMED',
          reason,
        },
      }),
      ...events,
    );
  }

  return {
    async hold(actor: Actor, input: { ticketTypeId: string; quantity: number; idempotencyKey: string }) {
      const userId = actor.userId!;
      const problems = new InputProblems('input');
      problems.add('quantity', validQuantity(input.quantity));
      problems.throwIfAny();
      if (!isUuid(input.ticketTypeId)) throw notFound(`There is no ticket type ${input.ticketTypeId}`);
      const ticketTypeId = input.ticketTypeId.toLowerCase();
      // A refusal needs no lock: "sold out" read without one is at worst a moment old, as if
      // this hold had come just before the release that followed. On a sold-out hot event
      // this keeps the refused from queueing on the counter row behind the lucky ones.
      const seen = await s0().inventory.find(ticketTypeId);
      if (seen && !notOnSale(seen) && availableOf(seen) < input.quantity) {
        countHold('sold_out');
        throw soldOut(availableOf(seen), input.quantity);
      }
      return idempotent(
        userId,
        input.idempotencyKey,
        { op: 'hold', ticketTypeId, quantity: input.quantity },
        (complete) =>
          db.transaction(async (trx) => {
            const s = createStores(trx);
            const inventory = await s.inventory.lock(ticketTypeId);
            if (!inventory) throw notFound(`There is no ticket type ${ticketTypeId}`);
            const closed = notOnSale(inventory);
            if (closed) throw badUserInput({ 'input.ticketTypeId': closed }, `Tickets are not on sale: ${closed}`);
            const available = availableOf(inventory);
            if (input.quantity > available) {
              countHold('sold_out');
              throw soldOut(available, input.quantity);
            }
            const booking = await s.bookings.insert({
              id: randomUUID(),
              userId,
              eventId: inventory.eventId,
              ticketTypeId,
              quantity: input.quantity,
              total: inventory.price.times(input.quantity),
              holdSeconds: settings.holdSeconds,
            });
            await s.inventory.adjust(ticketTypeId, { held: input.quantity });
            await s.enqueue(
              bookingHeld(actor, booking, null),
              await availabilityChanged(s, actor, ticketTypeId, {
                ...inventory,
                held: inventory.held + input.quantity,
              }),
            );
            const answer = await complete(s, booking.id);
            countHold('held');
            return answer;
          }),
      );
    },

    async confirm(actor: Actor, input: { bookingId: string; paymentToken: string; idempotencyKey: string }) {
      const userId = actor.userId!;
      if (!isUuid(input.bookingId)) throw notFound(`You have no booking ${input.bookingId}`);
      const bookingId = input.bookingId.toLowerCase();
      const problems = new InputProblems('input');
      problems.add(
        'paymentToken',
        input.paymentToken.length === 0 || input.paymentToken.length > 200 ? 'must be 1 to 200 characters' : null,
      );
      problems.throwIfAny();
      // The token is part of the request (a retry must be the same payment), hashed with the rest, never stored.
      const request = { op: 'confirm', bookingId, paymentToken: input.paymentToken };
      return idempotent(userId, input.idempotencyKey, request, async (complete) => {
        const outcome = await db.transaction(async (trx) => {
          const s = createStores(trx);
          const booking = await s.bookings.lock(bookingId);
          if (!booking || booking.userId !== userId) throw notFound(`You have no booking ${bookingId}`);
          if (booking.status === 'CONFIRMED') return { booking: await complete(s, booking.id) };
          if (booking.status !== 'HELD') {
            throw conflict(`The booking is ${booking.status.toLowerCase()}: only a held booking can be confirmed`);
          }
          if (booking.expiresAt.getTime() <= Date.now()) {
            throw conflict(`The hold expired at ${booking.expiresAt.toISOString()}: hold the tickets again`);
          }
          let charge;
          try {
            // Keyed by the booking and its declined attempts: a retry after a lost answer (or a
            // crash before our commit) asks the provider for the same charge, never a second one.
            charge = await payments.charge({
              token: input.paymentToken,
              amount: booking.total,
              idempotencyKey: `booking:${booking.id}:charge:${booking.paymentAttempt}`,
            });
          } catch (error) {
            if (!(error instanceof PaymentDeclinedError)) throw error;
            await s.bookings.countDecline(booking.id);
            return { declined: error.reason };
          }
          await s.inventory.lock(booking.ticketTypeId);
          const paymentId = randomUUID();
          await s.bookings.insertPayment({
            id: paymentId,
            bookingId: booking.id,
            amount: charge.amount,
            provider: payments.name,
            chargeId: charge.id,
          });
          const ticketIds: string[] = [];
          for (let i = 0; i < booking.quantity; i++) {
            const id = randomUUID();
            ticketIds.push(id);
            await s.bookings.insertTicket({ id, bookingId: booking.id, code: ticketCode() });
          }
          await s.bookings.setStatus(booking.id, 'CONFIRMED');
          await s.inventory.adjust(booking.ticketTypeId, { held: -booking.quantity, sold: booking.quantity });
          const entry = await s.waitlist.byBooking(booking.id);
          if (entry?.status === 'OFFERED') await s.waitlist.setStatus(entry.id, 'ACCEPTED');
          await s.enqueue(
            createEvent({
              type: 'platform.bookings.booking.confirmed.v1',
              subject: booking.id,
              data: { ...bookingEvent(actor, booking), total: booking.total.toJSON(), paymentId, ticketIds },
            }),
          );
          return { booking: await complete(s, booking.id), paid: charge.amount };
        });
        if ('declined' in outcome) {
          throw badUserInput(
            { 'input.paymentToken': `was declined (${outcome.declined})` },
            'The payment was declined: the tickets stay held until the hold expires; try another card',
          );
        }
        if (outcome.paid) countConfirmed(outcome.paid);
        return outcome.booking;
      });
    },

    async cancel(actor: Actor, input: { bookingId: string; idempotencyKey: string }) {
      const userId = actor.userId!;
      if (!isUuid(input.bookingId)) throw notFound(`You have no booking ${input.bookingId}`);
      const bookingId = input.bookingId.toLowerCase();
      return idempotent(userId, input.idempotencyKey, { op: 'cancel', bookingId }, (complete) =>
        db.transaction(async (trx) => {
          const s = createStores(trx);
          const booking = await s.bookings.lock(bookingId);
          if (!booking || booking.userId !== userId) throw notFound(`You have no booking ${bookingId}`);
          if (booking.status === 'EXPIRED') throw conflict('The hold already expired: there is nothing to cancel');
          if (booking.status === 'CANCELLED') return complete(s, booking.id);
          await cancelLocked(s, actor, booking, 'user');
          await offerFreedSeats(s, actor, booking.ticketTypeId);
          await s.enqueue(await availabilityChanged(s, actor, booking.ticketTypeId));
          return complete(s, booking.id);
        }),
      );
    },

    async joinWaitlist(actor: Actor, input: { ticketTypeId: string; quantity: number }): Promise<WaitlistEntryModel> {
      const userId = actor.userId!;
      const problems = new InputProblems('input');
      problems.add('quantity', validQuantity(input.quantity));
      problems.throwIfAny();
      if (!isUuid(input.ticketTypeId)) throw notFound(`There is no ticket type ${input.ticketTypeId}`);
      const ticketTypeId = input.ticketTypeId.toLowerCase();
      return db.transaction(async (trx) => {
        const s = createStores(trx);
        const inventory = await s.inventory.lock(ticketTypeId);
        if (!inventory) throw notFound(`There is no ticket type ${ticketTypeId}`);
        const closed = notOnSale(inventory);
        if (closed) throw badUserInput({ 'input.ticketTypeId': closed }, `Tickets are not on sale: ${closed}`);
        const open = await s.waitlist.openOf(userId, ticketTypeId);
        // Joining twice is a retry: the same entry, unless the group's size changed.
        if (open?.quantity === input.quantity) return open;
        if (open) {
          throw conflict(
            `You are already on this waiting list for ${open.quantity} tickets (${open.status.toLowerCase()})`,
          );
        }
        const available = availableOf(inventory);
        if (available >= input.quantity) {
          throw conflict(`Tickets are on sale (${available} left): hold them instead of joining the waiting list`);
        }
        const entry = await s.waitlist.insert({
          id: randomUUID(),
          userId,
          eventId: inventory.eventId,
          ticketTypeId,
          quantity: input.quantity,
        });
        await s.enqueue(
          createEvent({
            type: 'platform.bookings.waitlist.joined.v1',
            subject: entry.id,
            data: {
              actorId: userId,
              target: { type: 'waitlist_entry', id: entry.id },
              context: actor.context,
              entryId: entry.id,
              userId,
              eventId: entry.eventId,
              ticketTypeId,
              quantity: entry.quantity,
            },
          }),
        );
        return entry;
      });
    },

    async checkIn(actor: Actor, code: string): Promise<TicketModel> {
      const userId = actor.userId!;
      const problems = new InputProblems('input');
      problems.add('code', code.length === 0 || code.length > 100 ? 'must be 1 to 100 characters' : null);
      problems.throwIfAny();
      return db.transaction(async (trx) => {
        const s = createStores(trx);
        const ticket = await s.bookings.ticketByCode(code.trim().toUpperCase());
        if (!ticket) throw notFound('No ticket has this code');
        if (ticket.organizerId !== userId && !actor.permissions.includes(Permission.BookingsTicketCheckin)) {
          throw forbidden(
            `Only the event's organizer or holders of ${Permission.BookingsTicketCheckin} may check tickets in`,
          );
        }
        if (ticket.bookingStatus !== 'CONFIRMED') throw conflict('This ticket is void: its booking was cancelled');
        const checked = await s.bookings.checkIn(ticket.id, userId);
        if (!checked) {
          const earlier = (await s.bookings.ticketByCode(ticket.code))!;
          throw conflict(`This ticket was already checked in at ${earlier.checkedInAt!.toISOString()}`);
        }
        await s.enqueue(
          createEvent({
            type: 'platform.bookings.ticket.checked_in.v1',
            subject: ticket.id,
            data: {
              actorId: userId,
              target: { type: 'ticket', id: ticket.id },
              context: actor.context,
              ticketId: ticket.id,
              bookingId: ticket.bookingId,
              userId: ticket.userId,
              eventId: ticket.eventId,
              checkedInAt: checked.checkedInAt!.toISOString(),
            },
          }),
        );
        return checked;
      });
    },

    /**
     * Expires every hold past its time, in batches; seats go to the waiting list first, and
     * an expired offer lapses (so the next entry is offered). Safe on several replicas at
     * once: each locks its batch with `skip locked`. Returns how many holds expired.
     */
    async expireDueHolds(actor: Actor): Promise<number> {
      let total = 0;
      for (;;) {
        const expired = await db.transaction(async (trx) => {
          const s = createStores(trx);
          const due = await s.bookings.lockDue(SWEEP_BATCH);
          const ticketTypeIds = [...new Set(due.map((booking) => booking.ticketTypeId))].sort();
          // Counter rows in one order: two sweeping replicas cannot deadlock on them.
          for (const id of ticketTypeIds) await s.inventory.lock(id);
          for (const booking of due) {
            await s.inventory.adjust(booking.ticketTypeId, { held: -booking.quantity });
            await s.bookings.setStatus(booking.id, 'EXPIRED');
            const entry = await s.waitlist.byBooking(booking.id);
            if (entry?.status === 'OFFERED') await s.waitlist.setStatus(entry.id, 'LAPSED');
            await s.enqueue(
              createEvent({
                type: 'platform.bookings.booking.expired.v1',
                subject: booking.id,
                data: { ...bookingEvent(actor, booking), waitlistEntryId: entry?.id ?? null },
              }),
            );
          }
          for (const id of ticketTypeIds) {
            await offerFreedSeats(s, actor, id);
            await s.enqueue(await availabilityChanged(s, actor, id));
          }
          return due.length;
        });
        total += expired;
        if (expired < SWEEP_BATCH) return total;
      }
    },

    /**
     * Applies a listings snapshot in the consumer's transaction when it is newer than ours:
     * raised capacity goes to the waiting list first; a cancelled event cancels (and refunds)
     * every open booking and closes its waiting list.
     */
    async applySnapshot(trx: Knex.Transaction, actor: Actor, snapshot: EventSnapshot): Promise<void> {
      const s = createStores(trx);
      if (!(await s.inventory.applySnapshot(snapshot))) return;
      if (snapshot.status === 'CANCELLED') {
        for (const booking of await s.bookings.lockOpenOfEvent(snapshot.id)) {
          await cancelLocked(s, actor, booking, 'event_cancelled');
        }
        await s.waitlist.cancelOpenOfEvent(snapshot.id);
      }
      for (const ticketType of [...snapshot.ticketTypes].sort((a, b) => a.id.localeCompare(b.id))) {
        await s.inventory.lock(ticketType.id);
        await offerFreedSeats(s, actor, ticketType.id);
        await s.enqueue(await availabilityChanged(s, actor, ticketType.id));
      }
    },

    /**
     * Sets a ticket type's capacity for listings (a published event's capacity is lowered
     * here first): refused when it would drop below the seats sold and held, under the lock
     * holds take. Unknown ticket types (no snapshot yet) have nothing sold: fine.
     */
    async changeCapacity(
      actor: Actor,
      input: { ticketTypeId: string; eventId: string; capacity: number },
    ): Promise<
      | { ok: true }
      | { ok: false; error: 'capacity_below_sold'; sold: number; held: number }
      | { ok: false; error: 'event_mismatch' }
    > {
      return db.transaction(async (trx) => {
        const s = createStores(trx);
        const inventory = await s.inventory.lock(input.ticketTypeId);
        if (!inventory) return { ok: true };
        if (inventory.eventId !== input.eventId) return { ok: false, error: 'event_mismatch' };
        if (input.capacity < inventory.sold + inventory.held) {
          return { ok: false, error: 'capacity_below_sold', sold: inventory.sold, held: inventory.held };
        }
        if (input.capacity === inventory.capacity) return { ok: true };
        await s.inventory.setCapacity(input.ticketTypeId, input.capacity);
        await offerFreedSeats(s, actor, input.ticketTypeId);
        await s.enqueue(await availabilityChanged(s, actor, input.ticketTypeId));
        return { ok: true };
      });
    },
  };
}
