/**
 * Every change to venues, events and ticket types: checked, written and announced in one
 * transaction (the domain event goes to the outbox with the change, ADR 0002). Changes of one
 * event serialize on its row lock, and anything that touches capacity also locks the venue
 * (always event first, then venue), so "an event never holds more than its venue" holds under
 * concurrent changes.
 */
import { createHash, randomUUID } from 'node:crypto';
import {
  badUserInput,
  conflict,
  InputProblems,
  notFound,
  type BaseContext,
  type Database,
} from '@platform/service-kit';
import { createEvent, requestContextOf } from '@platform/service-kit/events';
import type { EventModel, TicketTypeModel, VenueModel } from '../mappers.js';
import type { EventDetails } from '../stores/event-store.js';
import type { Answer, IdempotencyKey, KeyedOperation } from '../stores/idempotency-store.js';
import { createStores, type Stores } from '../stores/index.js';
import { canSee, requireOwnership } from './access.js';
import { CapacityBelowSoldError, type BookingsCapacity } from './bookings-capacity.js';
import { isUuid, normaliseUuid } from './ids.js';
import {
  capacityProblem,
  coordinateProblem,
  countryCodeProblem,
  duplicateName,
  LIMITS,
  priceOf,
  scheduleProblems,
  textProblem,
  ticketTypeFields,
  timeZoneProblem,
  venueCapacityProblem,
  type TicketTypeInput,
} from './rules.js';
import { eventSnapshot, venueSnapshot } from './snapshots.js';
import { statusAt } from './status.js';

export interface VenueInput {
  idempotencyKey?: string | null;
  name: string;
  address: string;
  city: string;
  countryCode: string;
  timeZone: string;
  capacity: number;
  latitude?: number | null;
  longitude?: number | null;
}

export interface VenueChanges {
  id: string;
  name?: string | null;
  address?: string | null;
  city?: string | null;
  countryCode?: string | null;
  timeZone?: string | null;
  capacity?: number | null;
  latitude?: number | null;
  longitude?: number | null;
}

export interface EventInput {
  idempotencyKey?: string | null;
  venueId: string;
  title: string;
  description: string;
  category: string;
  startsAt: Date;
  endsAt: Date;
  ticketTypes: TicketTypeInput[];
}

export interface EventChanges {
  id: string;
  title?: string | null;
  description?: string | null;
  category?: string | null;
  startsAt?: Date | null;
  endsAt?: Date | null;
}

export interface TicketTypeChanges {
  id: string;
  name?: string | null;
  capacity?: number | null;
  price?: { amount: string; currencyCode: string } | null;
}

export interface Listings {
  createVenue(context: BaseContext, organizerId: string, input: VenueInput): Promise<VenueModel>;
  updateVenue(context: BaseContext, input: VenueChanges): Promise<VenueModel>;
  createEvent(context: BaseContext, organizerId: string, input: EventInput): Promise<EventModel>;
  updateEvent(context: BaseContext, input: EventChanges): Promise<EventModel>;
  addTicketType(context: BaseContext, eventId: string, input: TicketTypeInput): Promise<TicketTypeModel>;
  updateTicketType(context: BaseContext, input: TicketTypeChanges): Promise<TicketTypeModel>;
  publishEvent(context: BaseContext, id: string): Promise<EventModel>;
  cancelEvent(context: BaseContext, id: string, reason: string): Promise<EventModel>;
}

const optionalText = (problems: InputProblems, field: string, value: string | null | undefined, max: number) => {
  if (value === undefined || value === null) return;
  problems.add(field, textProblem(value, max));
};

/** `null` for a field the client sent as null where only a value makes sense. */
const notNull = (problems: InputProblems, input: object, fields: readonly string[]) => {
  for (const field of fields) {
    if ((input as Record<string, unknown>)[field] === null) problems.add(field, 'must not be null');
  }
};

function venueProblems(problems: InputProblems, input: Partial<VenueInput>): void {
  optionalText(problems, 'name', input.name, LIMITS.venueName);
  optionalText(problems, 'address', input.address, LIMITS.address);
  optionalText(problems, 'city', input.city, LIMITS.city);
  if (input.countryCode !== undefined) problems.add('countryCode', countryCodeProblem(input.countryCode));
  if (input.timeZone !== undefined) problems.add('timeZone', timeZoneProblem(input.timeZone));
  if (input.capacity !== undefined) problems.add('capacity', capacityProblem(input.capacity, 1));
  problems.add('latitude', coordinateProblem(input.latitude, 90));
  problems.add('longitude', coordinateProblem(input.longitude, 180));
}

const MAX_IDEMPOTENCY_KEY_LENGTH = 200;

/** The key of a create request, with a hash of everything else it asked for; null without a key. */
function idempotencyKeyOf<Operation extends KeyedOperation>(
  problems: InputProblems,
  organizerId: string,
  operation: Operation,
  input: { idempotencyKey?: string | null },
): IdempotencyKey<Operation> | null {
  const { idempotencyKey: key, ...request } = input;
  if (key === null || key === undefined) return null;
  problems.add('idempotencyKey', textProblem(key, MAX_IDEMPOTENCY_KEY_LENGTH));
  const requestHash = createHash('sha256').update(JSON.stringify(request)).digest('hex');
  return { organizerId, operation, key, requestHash };
}

/**
 * Claims `key` for `id` in the transaction: null when this request is the first with the key,
 * else what the first one answered; the same key with other input is BAD_USER_INPUT.
 */
async function earlierAnswer<Operation extends KeyedOperation>(
  stores: Stores,
  key: IdempotencyKey<Operation> | null,
  id: string,
  asItIsNow: (resultId: string) => Promise<Answer<Operation>>,
): Promise<Answer<Operation> | null> {
  if (!key) return null;
  const claim = await stores.idempotency.claim(key, id);
  if (claim.claimed) return null;
  if (claim.requestHash !== key.requestHash) {
    throw badUserInput({ 'input.idempotencyKey': 'was already used for a different request' });
  }
  // Used before answers were stored with keys: the record as it is now.
  return claim.answer ?? asItIsNow(claim.resultId);
}

export function createListings(options: { db: Database; bookings: BookingsCapacity; now?: () => Date }): Listings {
  const { db, bookings } = options;
  const now = options.now ?? (() => new Date());

  const audit = <Kind extends 'venue' | 'event'>(context: BaseContext, type: Kind, id: string) => ({
    actorId: context.caller.userId,
    target: { type, id },
    context: requestContextOf(context),
  });

  async function partsOf(
    stores: Stores,
    event: EventModel,
  ): Promise<{ venue: VenueModel; ticketTypes: TicketTypeModel[] }> {
    const venue = (await stores.venues.findById(event.venueId))!;
    const ticketTypes = (await stores.events.ticketTypesOf([event.id])).get(event.id) ?? [];
    return { venue, ticketTypes };
  }

  /** Enqueues the snapshot event of `type` for the event as it is now. */
  async function announce(
    stores: Stores,
    context: BaseContext,
    type:
      | 'platform.listings.event.created.v1'
      | 'platform.listings.event.updated.v1'
      | 'platform.listings.event.published.v1',
    event: EventModel,
  ): Promise<void> {
    const { venue, ticketTypes } = await partsOf(stores, event);
    await stores.enqueue(
      createEvent({
        type,
        subject: event.id,
        data: { ...audit(context, 'event', event.id), event: eventSnapshot(event, venue, ticketTypes) },
      }),
    );
  }

  /**
   * The event locked for a change by the caller: NOT_FOUND when it does not exist or the
   * caller may not see it, FORBIDDEN when they see it but do not organize it.
   */
  async function lockEvent(stores: Stores, context: BaseContext, id: string): Promise<EventModel> {
    const event = isUuid(id) ? await stores.events.lockById(normaliseUuid(id)) : null;
    if (!event || !canSee(context, event)) throw notFound(`No event with id ${id}`);
    requireOwnership(context, event, 'event');
    return event;
  }

  /** CONFLICT when the event can no longer change (cancelled, or ended). */
  function requireChangeable(event: EventModel): void {
    const status = statusAt(event, now());
    if (status === 'CANCELLED' || status === 'ENDED') {
      throw conflict(`The event is ${status.toLowerCase()}: it can no longer change`);
    }
  }

  const capacityOf = (types: readonly TicketTypeModel[]) => types.reduce((sum, type) => sum + type.capacity, 0);

  return {
    async createVenue(context, organizerId, input) {
      const problems = new InputProblems('input');
      venueProblems(problems, input);
      const key = idempotencyKeyOf(problems, organizerId, 'createVenue', input);
      problems.throwIfAny();
      const id = randomUUID();
      return db.transaction(async (trx) => {
        const stores = createStores(trx);
        const earlier = await earlierAnswer(
          stores,
          key,
          id,
          async (venueId) => (await stores.venues.findById(venueId))!,
        );
        if (earlier) return earlier;
        const venue = await stores.venues.create(id, {
          organizerId,
          name: input.name.trim(),
          address: input.address.trim(),
          city: input.city.trim(),
          countryCode: input.countryCode,
          timeZone: input.timeZone,
          capacity: input.capacity,
          latitude: input.latitude ?? null,
          longitude: input.longitude ?? null,
        });
        await stores.enqueue(
          createEvent({
            type: 'platform.listings.venue.created.v1',
            subject: venue.id,
            data: { ...audit(context, 'venue', venue.id), venue: venueSnapshot(venue) },
          }),
        );
        return key ? stores.idempotency.complete(key, venue.id) : venue;
      });
    },

    async updateVenue(context, input) {
      const problems = new InputProblems('input');
      notNull(problems, input, ['name', 'address', 'city', 'countryCode', 'timeZone', 'capacity']);
      venueProblems(problems, {
        ...input,
        name: input.name ?? undefined,
        address: input.address ?? undefined,
        city: input.city ?? undefined,
        countryCode: input.countryCode ?? undefined,
        timeZone: input.timeZone ?? undefined,
        capacity: input.capacity ?? undefined,
      });
      problems.throwIfAny();
      return db.transaction(async (trx) => {
        const stores = createStores(trx);
        const venue = isUuid(input.id) ? await stores.venues.lockById(normaliseUuid(input.id)) : null;
        if (!venue) throw notFound(`No venue with id ${input.id}`);
        requireOwnership(context, venue, 'venue');
        const capacity = input.capacity ?? venue.capacity;
        if (capacity < venue.capacity) {
          const largest = await stores.events.largestEventAtVenue(venue.id);
          if (largest && largest.capacity > capacity) {
            throw conflict(
              `The event "${largest.title}" (${largest.id}) at this venue holds ${largest.capacity} tickets: the venue's capacity cannot drop below that`,
            );
          }
        }
        const updated = await stores.venues.update(venue.id, {
          organizerId: venue.organizerId,
          name: input.name?.trim() ?? venue.name,
          address: input.address?.trim() ?? venue.address,
          city: input.city?.trim() ?? venue.city,
          countryCode: input.countryCode ?? venue.countryCode,
          timeZone: input.timeZone ?? venue.timeZone,
          capacity,
          latitude: input.latitude === undefined ? venue.latitude : input.latitude,
          longitude: input.longitude === undefined ? venue.longitude : input.longitude,
        });
        await stores.enqueue(
          createEvent({
            type: 'platform.listings.venue.updated.v1',
            subject: venue.id,
            data: { ...audit(context, 'venue', venue.id), venue: venueSnapshot(updated) },
          }),
        );
        return updated;
      });
    },

    async createEvent(context, organizerId, input) {
      const problems = new InputProblems('input');
      problems.add('title', textProblem(input.title, LIMITS.title));
      problems.add('description', textProblem(input.description, LIMITS.description, 0));
      problems.add('category', textProblem(input.category, LIMITS.category));
      scheduleProblems(problems, input.startsAt, input.endsAt, now());
      if (input.ticketTypes.length === 0) problems.add('ticketTypes', 'must list at least one ticket type');
      if (input.ticketTypes.length > LIMITS.ticketTypesPerEvent) {
        problems.add('ticketTypes', `must list at most ${LIMITS.ticketTypesPerEvent} ticket types`);
      }
      // The first ticket type's currency is the event's; the others must follow it.
      const currency = input.ticketTypes[0]?.price.currencyCode ?? null;
      const ticketTypes = input.ticketTypes.map((type, index) => {
        const fields = ticketTypeFields(problems, `ticketTypes.${index}`, type, index === 0 ? null : currency);
        const earlier = input.ticketTypes.slice(0, index).map((other, at) => ({ id: String(at), name: other.name }));
        if (duplicateName(earlier, type.name))
          problems.add(`ticketTypes.${index}.name`, 'is used by another ticket type');
        return fields;
      });
      const key = idempotencyKeyOf(problems, organizerId, 'createEvent', input);
      problems.throwIfAny();
      const id = randomUUID();
      return db.transaction(async (trx) => {
        const stores = createStores(trx);
        const earlier = await earlierAnswer(
          stores,
          key,
          id,
          async (eventId) => (await stores.events.findManyByIds([eventId]))[0]!,
        );
        if (earlier) return earlier;
        // Locked so that the venue's capacity cannot shrink under the check below.
        const venue = isUuid(input.venueId) ? await stores.venues.lockById(normaliseUuid(input.venueId)) : null;
        if (!venue) throw notFound(`No venue with id ${input.venueId}`);
        const total = ticketTypes.reduce((sum, type) => sum + (type?.capacity ?? 0), 0);
        const tooMany = venueCapacityProblem(total, venue.capacity);
        if (tooMany) throw badUserInput({ 'input.ticketTypes': tooMany });
        const event = await stores.events.create({
          id,
          organizerId,
          venueId: venue.id,
          title: input.title.trim(),
          description: input.description,
          category: input.category.trim(),
          startsAt: input.startsAt,
          endsAt: input.endsAt,
        });
        for (const type of ticketTypes) await stores.events.addTicketType(event.id, type!);
        await announce(stores, context, 'platform.listings.event.created.v1', event);
        return key ? stores.idempotency.complete(key, event.id) : event;
      });
    },

    async updateEvent(context, input) {
      const problems = new InputProblems('input');
      notNull(problems, input, ['title', 'description', 'category', 'startsAt', 'endsAt']);
      optionalText(problems, 'title', input.title, LIMITS.title);
      if (typeof input.description === 'string') {
        problems.add('description', textProblem(input.description, LIMITS.description, 0));
      }
      optionalText(problems, 'category', input.category, LIMITS.category);
      problems.throwIfAny();
      return db.transaction(async (trx) => {
        const stores = createStores(trx);
        const event = await lockEvent(stores, context, input.id);
        requireChangeable(event);
        const details: EventDetails = {
          title: input.title?.trim() ?? event.title,
          description: input.description ?? event.description,
          category: input.category?.trim() ?? event.category,
          startsAt: input.startsAt ?? event.startsAt,
          endsAt: input.endsAt ?? event.endsAt,
        };
        if (input.startsAt || input.endsAt) {
          const schedule = new InputProblems('input');
          scheduleProblems(schedule, details.startsAt, details.endsAt, now());
          schedule.throwIfAny();
        }
        const updated = await stores.events.update(event.id, {
          ...details,
          status: event.status,
          cancellationReason: event.cancellationReason,
        });
        await announce(stores, context, 'platform.listings.event.updated.v1', updated);
        return updated;
      });
    },

    async addTicketType(context, eventId, input) {
      return db.transaction(async (trx) => {
        const stores = createStores(trx);
        const event = await lockEvent(stores, context, eventId);
        requireChangeable(event);
        const existing = (await stores.events.ticketTypesOf([event.id])).get(event.id) ?? [];
        const problems = new InputProblems('input');
        const fields = ticketTypeFields(problems, 'ticketType', input, existing[0]?.price.currencyCode ?? null);
        if (duplicateName(existing, input.name)) problems.add('ticketType.name', 'is used by another ticket type');
        if (existing.length >= LIMITS.ticketTypesPerEvent) {
          problems.add('eventId', `the event already has ${LIMITS.ticketTypesPerEvent} ticket types`);
        }
        problems.throwIfAny();
        const venue = (await stores.venues.lockById(event.venueId))!;
        problems.add(
          'ticketType.capacity',
          venueCapacityProblem(capacityOf(existing) + fields!.capacity, venue.capacity),
        );
        problems.throwIfAny();
        const added = await stores.events.addTicketType(event.id, fields!);
        await announce(
          stores,
          context,
          'platform.listings.event.updated.v1',
          await stores.events.bumpVersion(event.id),
        );
        return added;
      });
    },

    async updateTicketType(context, input) {
      const problems = new InputProblems('input');
      notNull(problems, input, ['name', 'capacity', 'price']);
      optionalText(problems, 'name', input.name, LIMITS.ticketTypeName);
      if (typeof input.capacity === 'number') problems.add('capacity', capacityProblem(input.capacity, 0));
      problems.throwIfAny();
      const [found] = isUuid(input.id) ? await createStores(db).events.ticketTypesByIds([normaliseUuid(input.id)]) : [];
      if (!found) throw notFound(`No ticket type with id ${input.id}`);
      return db.transaction(async (trx) => {
        const stores = createStores(trx);
        const event = await lockEvent(stores, context, found.eventId);
        requireChangeable(event);
        const existing = (await stores.events.ticketTypesOf([event.id])).get(event.id) ?? [];
        const current = existing.find((type) => type.id === found.id)!;
        if (input.name && duplicateName(existing, input.name, current.id)) {
          problems.add('name', 'is used by another ticket type');
        }
        let price = current.price;
        if (input.price) {
          if (event.status !== 'DRAFT') {
            throw conflict('The price of a published event cannot change: tickets were sold at it');
          }
          const others = existing.filter((type) => type.id !== current.id);
          price = priceOf(problems, 'price', input.price, others[0]?.price.currencyCode ?? null) ?? price;
        }
        problems.throwIfAny();
        const capacity = input.capacity ?? current.capacity;
        if (capacity > current.capacity) {
          const venue = (await stores.venues.lockById(event.venueId))!;
          const total = capacityOf(existing) - current.capacity + capacity;
          problems.add('capacity', venueCapacityProblem(total, venue.capacity));
          problems.throwIfAny();
        }
        if (capacity < current.capacity && event.status === 'PUBLISHED') {
          try {
            await bookings.lower({ ticketTypeId: current.id, eventId: event.id, capacity }, context.requestId);
          } catch (error) {
            if (!(error instanceof CapacityBelowSoldError)) throw error;
            throw conflict(
              `The capacity of "${current.name}" cannot drop to ${capacity}: ${error.sold} tickets are sold and ${error.held} held`,
            );
          }
        }
        const updated = await stores.events.updateTicketType(current.id, {
          name: input.name?.trim() ?? current.name,
          capacity,
          price,
        });
        await announce(
          stores,
          context,
          'platform.listings.event.updated.v1',
          await stores.events.bumpVersion(event.id),
        );
        return updated;
      });
    },

    async publishEvent(context, id) {
      return db.transaction(async (trx) => {
        const stores = createStores(trx);
        const event = await lockEvent(stores, context, id);
        if (event.status !== 'DRAFT') {
          throw conflict(`The event is ${statusAt(event, now()).toLowerCase()}: only a draft can be published`);
        }
        if (event.startsAt.getTime() <= now().getTime()) {
          throw conflict('The event has already started: move its start into the future (updateEvent) to publish it');
        }
        const published = await stores.events.update(event.id, {
          ...event,
          status: 'PUBLISHED',
        });
        await announce(stores, context, 'platform.listings.event.published.v1', published);
        return published;
      });
    },

    async cancelEvent(context, id, reason) {
      const problems = new InputProblems('input');
      problems.add('reason', textProblem(reason, LIMITS.reason));
      problems.throwIfAny();
      return db.transaction(async (trx) => {
        const stores = createStores(trx);
        const event = await lockEvent(stores, context, id);
        if (event.status === 'CANCELLED') throw conflict('The event is already cancelled');
        if (statusAt(event, now()) === 'ENDED') throw conflict('The event has ended: it can no longer be cancelled');
        const cancelled = await stores.events.update(event.id, {
          ...event,
          status: 'CANCELLED',
          cancellationReason: reason.trim(),
        });
        const { venue, ticketTypes } = await partsOf(stores, cancelled);
        await stores.enqueue(
          createEvent({
            type: 'platform.listings.event.cancelled.v1',
            subject: cancelled.id,
            data: {
              ...audit(context, 'event', cancelled.id),
              event: eventSnapshot(cancelled, venue, ticketTypes),
              reason: reason.trim(),
            },
          }),
        );
        return cancelled;
      });
    },
  };
}
