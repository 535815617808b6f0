/**
 * What bookings resolvers get per request: the kit's base context, the booking service for
 * changes, the live availability feed, and per-request DataLoaders so N bookings, users or
 * ticket types cost one query per kind of data.
 */
import type { BaseContext, Database } from '@platform/service-kit';
import { requestContextOf } from '@platform/service-kit/events';
import DataLoader from 'dataloader';
import { loaderCache } from '@platform/service-kit';
import type { Actor, BookingService } from './domain/bookings.js';
import { isUuid } from './domain/ids.js';
import type { AvailabilityFeed } from './domain/availability-feed.js';
import type { BookingModel, PaymentModel, RefundModel, TicketModel, WaitlistEntryModel } from './mappers.js';
import { createStores, type Stores } from './stores/index.js';
import { availableOf } from './stores/inventory-store.js';

export interface Context extends BaseContext {
  bookings: BookingService;
  feed: AvailabilityFeed;
  /** Reads outside a change. */
  stores: Stores;
  /** The caller as the author of a change. */
  actor: Actor;
  bookingById: DataLoader<string, BookingModel | null>;
  paymentByBooking: DataLoader<string, PaymentModel | null>;
  refundByBooking: DataLoader<string, RefundModel | null>;
  ticketsByBooking: DataLoader<string, TicketModel[]>;
  availableByTicketType: DataLoader<string, number>;
  waitlistByUser: DataLoader<string, WaitlistEntryModel[]>;
  /** Keyed `userId first after-position`: users asked for with the same page share one query. */
  bookingPageByUser: DataLoader<
    { userId: string; first: number; after: { createdAt: Date; id: string } | null },
    BookingModel[]
  >;
}

function byKey<V>(
  name: string,
  load: (keys: string[]) => Promise<Map<string, V>>,
  missing: () => V,
): DataLoader<string, V> {
  return new DataLoader<string, V>(
    async (keys) => {
      const ids = [...new Set(keys.filter(isUuid).map((key) => key.toLowerCase()))];
      const found = ids.length > 0 ? await load(ids) : new Map<string, V>();
      return keys.map((key) => found.get(key.toLowerCase()) ?? missing());
    },
    { cacheMap: loaderCache(name) },
  );
}

const grouped = <T>(items: T[], key: (item: T) => string) => {
  const map = new Map<string, T[]>();
  for (const item of items) map.set(key(item), [...(map.get(key(item)) ?? []), item]);
  return map;
};

function createLoaders(stores: Stores) {
  return {
    bookingById: byKey<BookingModel | null>(
      'bookingById',
      async (ids) => new Map((await stores.bookings.findByIds(ids)).map((booking) => [booking.id, booking])),
      () => null,
    ),
    paymentByBooking: byKey<PaymentModel | null>(
      'paymentByBooking',
      async (ids) => new Map((await stores.bookings.paymentsOf(ids)).map((payment) => [payment.bookingId, payment])),
      () => null,
    ),
    refundByBooking: byKey<RefundModel | null>(
      'refundByBooking',
      async (ids) => new Map((await stores.bookings.refundsOf(ids)).map((refund) => [refund.bookingId, refund])),
      () => null,
    ),
    ticketsByBooking: byKey<TicketModel[]>(
      'ticketsByBooking',
      async (ids) => grouped(await stores.bookings.ticketsOf(ids), (ticket) => ticket.bookingId),
      () => [],
    ),
    availableByTicketType: byKey<number>(
      'availableByTicketType',
      async (ids) =>
        new Map([...(await stores.inventory.countsOf(ids))].map(([id, counts]) => [id, availableOf(counts)])),
      // A ticket type whose event bookings has not heard of yet has nothing on sale here.
      () => 0,
    ),
    waitlistByUser: byKey<WaitlistEntryModel[]>(
      'waitlistByUser',
      async (ids) => grouped(await stores.waitlist.ofUsers(ids), (entry) => entry.userId),
      () => [],
    ),
    bookingPageByUser: new DataLoader<
      { userId: string; first: number; after: { createdAt: Date; id: string } | null },
      BookingModel[],
      string
    >(
      async (keys) => {
        const pages = new Map<string, BookingModel[]>();
        const byPage = grouped(
          [...keys],
          (key) => `${key.first} ${key.after?.createdAt.toISOString() ?? ''} ${key.after?.id ?? ''}`,
        );
        for (const group of byPage.values()) {
          const { first, after } = group[0]!;
          const found = await stores.bookings.pagesOfUsers(
            group.map((key) => key.userId),
            first,
            after,
          );
          for (const key of group) pages.set(key.userId + JSON.stringify([first, after]), found.get(key.userId) ?? []);
        }
        return keys.map((key) => pages.get(key.userId + JSON.stringify([key.first, key.after])) ?? []);
      },
      {
        cacheKeyFn: (key) => key.userId + JSON.stringify([key.first, key.after]),
        cacheMap: loaderCache('bookingPageByUser'),
      },
    ),
  };
}

export interface BookingsServices {
  db: Database;
  bookings: BookingService;
  feed: AvailabilityFeed;
}

export function createContextFactory(services: BookingsServices): (base: BaseContext) => Context {
  const stores = createStores(services.db);
  return (base) => ({
    ...base,
    bookings: services.bookings,
    feed: services.feed,
    stores,
    actor: { userId: base.caller.userId, permissions: base.caller.permissions, context: requestContextOf(base) },
    ...createLoaders(stores),
  });
}
