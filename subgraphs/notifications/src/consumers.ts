/**
 * The domain events notifications reacts to, each handled inside the consumer's deduplication
 * transaction: identity's user events keep the local recipient copy (address, name), the
 * others become messages of one kind for the user the event names.
 */
import type { ConsumedEventHandler } from '@platform/service-kit';
import type { EventType } from '@platform/service-kit/events';
import { notify, type NotifyDependencies } from './domain/notify.js';
import { recipients } from './stores/index.js';

export const CONSUMED_EVENTS = [
  'platform.identity.user.registered.v1',
  'platform.identity.user.updated.v1',
  'platform.identity.user.deleted.v1',
  'platform.identity.user.password_changed.v1',
  'platform.identity.user.password_reset.v1',
  'platform.auth.login.succeeded.v1',
  'platform.bookings.booking.confirmed.v1',
  'platform.bookings.booking.cancelled.v1',
  'platform.bookings.refund.issued.v1',
  'platform.bookings.waitlist.offered.v1',
  'platform.expenses.budget.threshold_crossed.v1',
  'platform.expenses.budget.exceeded.v1',
  'platform.blog.post.published.v1',
] as const satisfies readonly EventType[];

type Consumed = (typeof CONSUMED_EVENTS)[number];

export function createEventHandlers(dependencies: NotifyDependencies): { [T in Consumed]: ConsumedEventHandler<T> } {
  const source = (id: string) => `event:${id}`;
  return {
    'platform.identity.user.registered.v1': async (event, trx) => {
      const { userId, email, name } = event.data;
      await recipients.upsert(trx, { userId, email, name });
      // The verification link comes from identity over the internal API (links never travel in events).
      await notify(trx, dependencies, { sourceKey: source(event.id), userId, kind: 'welcome', data: {} });
    },
    'platform.identity.user.updated.v1': async (event, trx) => {
      const { userId, email, name } = event.data;
      await recipients.upsert(trx, { userId, email, name });
    },
    'platform.identity.user.deleted.v1': async (event, trx) => {
      await recipients.remove(trx, event.data.userId);
    },
    'platform.identity.user.password_changed.v1': async (event, trx) => {
      const { userId, otherSessionsRevoked } = event.data;
      await notify(trx, dependencies, {
        sourceKey: source(event.id),
        userId,
        kind: 'password_changed',
        data: { otherSessionsRevoked },
      });
    },
    'platform.identity.user.password_reset.v1': async (event, trx) => {
      const { userId, sessionsRevoked } = event.data;
      await notify(trx, dependencies, {
        sourceKey: source(event.id),
        userId,
        kind: 'password_changed',
        data: { otherSessionsRevoked: sessionsRevoked },
      });
    },
    'platform.auth.login.succeeded.v1': async (event, trx) => {
      const { userId, context } = event.data;
      await notify(trx, dependencies, {
        sourceKey: source(event.id),
        userId,
        kind: 'new_sign_in',
        data: { at: event.time, ip: context.ip, userAgent: context.userAgent },
      });
    },
    'platform.bookings.booking.confirmed.v1': async (event, trx) => {
      const { userId, bookingId, quantity, total } = event.data;
      await notify(trx, dependencies, {
        sourceKey: source(event.id),
        userId,
        kind: 'booking_confirmed',
        data: { bookingId, quantity, total },
      });
    },
    'platform.bookings.booking.cancelled.v1': async (event, trx) => {
      const { userId, bookingId, quantity, reason } = event.data;
      await notify(
        trx,
        dependencies,
        reason === 'event_cancelled'
          ? { sourceKey: source(event.id), userId, kind: 'event_cancelled', data: { bookingId } }
          : { sourceKey: source(event.id), userId, kind: 'booking_cancelled', data: { bookingId, quantity } },
      );
    },
    'platform.bookings.refund.issued.v1': async (event, trx) => {
      const { userId, bookingId, amount } = event.data;
      await notify(trx, dependencies, {
        sourceKey: source(event.id),
        userId,
        kind: 'booking_refunded',
        data: { bookingId, amount },
      });
    },
    'platform.bookings.waitlist.offered.v1': async (event, trx) => {
      const { userId, quantity, offerExpiresAt } = event.data;
      const recipient = await recipients.find(trx, userId);
      await notify(trx, dependencies, {
        sourceKey: source(event.id),
        userId,
        kind: 'waitlist_offer',
        // The deadline in the user's own zone when they set one with their quiet hours, else UTC.
        data: { quantity, offerExpiresAt, timeZone: recipient?.quietHours?.timeZone ?? 'UTC' },
      });
    },
    'platform.expenses.budget.threshold_crossed.v1': async (event, trx) => {
      const { userId, thresholdPercent, spent, limit, periodEnd } = event.data;
      await notify(trx, dependencies, {
        sourceKey: source(event.id),
        userId,
        kind: 'budget_threshold_crossed',
        data: { thresholdPercent, spent, limit, periodEnd },
      });
    },
    'platform.expenses.budget.exceeded.v1': async (event, trx) => {
      const { userId, spent, limit, periodEnd } = event.data;
      await notify(trx, dependencies, {
        sourceKey: source(event.id),
        userId,
        kind: 'budget_exceeded',
        data: { spent, limit, periodEnd },
      });
    },
    'platform.blog.post.published.v1': async (event, trx) => {
      // To the author, whoever published it (a moderator, or the schedule).
      const { authorId, title, slug } = event.data.post;
      await notify(trx, dependencies, {
        sourceKey: source(event.id),
        userId: authorId,
        kind: 'blog_post_published',
        data: { title, slug },
      });
    },
  };
}
