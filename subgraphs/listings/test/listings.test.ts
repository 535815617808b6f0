/**
 * Venues, events and ticket types against a real Postgres: the input rules with each
 * field named, ownership (FORBIDDEN) and visibility (drafts), the status machine (CONFLICT),
 * capacity against the venue, the snapshot events each change writes to the outbox, and
 * cursor pagination.
 */
import { randomUUID } from 'node:crypto';
import { Permission } from '@platform/service-kit';
import {
  anonymous,
  errorCode,
  expectRelayed,
  outboxEvents,
  outboxSize,
  signedIn,
  startSubgraph,
  type GraphQLResult,
} from '@platform/devkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listingsSubgraph } from '../src/subgraph.js';
import {
  ADD_TICKET_TYPE,
  CANCEL_EVENT,
  CREATE_EVENT,
  CREATE_EVENT_FULL,
  CREATE_VENUE,
  createEvent,
  createVenue,
  EVENT,
  eventInput,
  EVENTS,
  hoursFromNow,
  manager,
  moveIntoPast,
  organizer,
  publish,
  PUBLISH_EVENT,
  UPDATE_EVENT,
  UPDATE_TICKET_TYPE,
  UPDATE_VENUE,
  venueInput,
  VENUES,
  type ListingsHarness,
} from './support.js';

let listings: ListingsHarness;
beforeAll(async () => {
  listings = await startSubgraph(listingsSubgraph);
});
afterAll(() => listings?.stop());

const fieldsOf = (body: { errors?: { extensions?: Record<string, unknown> }[] }) =>
  body.errors?.[0]?.extensions?.fields as Record<string, string> | undefined;

interface EventView {
  id: string;
  status: string;
  version: number;
  timeZone: string;
  cancellationReason: string | null;
  ticketTypes: { id: string; capacity: number }[];
}
const readEvent = async (id: string, caller = anonymous) =>
  (await listings.graphql<{ event: EventView | null }>(EVENT, { id }, caller)).body.data?.event ?? null;

describe('checks inside the subgraph, behind the gateway', () => {
  it('refuses every mutation with FORBIDDEN when the proof lacks the organizer permissions', async () => {
    const id = randomUUID();
    const mutations: [string, Record<string, unknown>][] = [
      [CREATE_VENUE, venueInput()],
      [UPDATE_VENUE, { input: { id, name: 'x' } }],
      [CREATE_EVENT_FULL, { input: eventInput(id) }],
      [UPDATE_EVENT, { input: { id, title: 'x' } }],
      [
        ADD_TICKET_TYPE,
        { input: { eventId: id, ticketType: { name: 'x', capacity: 1, price: { amount: '1', currencyCode: 'EUR' } } } },
      ],
      [UPDATE_TICKET_TYPE, { input: { id, capacity: 1 } }],
      [PUBLISH_EVENT, { id }],
      [CANCEL_EVENT, { id, reason: 'x' }],
    ];
    const before = await outboxSize(listings);
    for (const [query, variables] of mutations) {
      const { body } = await listings.graphql(query, variables, signedIn(randomUUID(), [Permission.AuthzRoleRead]));
      expect(errorCode(body), query).toBe('FORBIDDEN');
      expect(errorCode((await listings.graphql(query, variables, anonymous)).body), query).toBe('UNAUTHENTICATED');
    }
    expect(await outboxSize(listings)).toBe(before);
  });
});

describe('venues', () => {
  it('an organizer creates a venue through the contract operation, announced as venue.created', async () => {
    const owner = organizer();
    const { body } = await listings.graphql<{
      createVenue: { venue: { id: string; name: string; city: string; capacity: number } };
    }>(CREATE_VENUE, venueInput({ name: 'Tempodrom', capacity: 3500 }), owner);
    expect(body.errors).toBeUndefined();
    const venue = body.data!.createVenue.venue;
    expect(venue).toMatchObject({ name: 'Tempodrom', city: 'Berlin', capacity: 3500 });
    const [created] = await outboxEvents(listings, venue.id, 'platform.listings.venue.created.v1');
    expect(created!.data).toMatchObject({
      actorId: owner.userId,
      target: { type: 'venue', id: venue.id },
      venue: { id: venue.id, organizerId: owner.userId, timeZone: 'Europe/Berlin', capacity: 3500, latitude: 52.52 },
    });
    await expectRelayed(listings, venue.id, ['platform.listings.venue.created.v1']);
  });

  it('refuses a bad venue with BAD_USER_INPUT naming every field, and writes nothing', async () => {
    const before = await outboxSize(listings);
    const { body } = await listings.graphql(
      CREATE_VENUE,
      venueInput({
        name: ' ',
        countryCode: 'XX',
        timeZone: 'Mars/Olympus',
        capacity: 0,
        latitude: 91,
        longitude: -181,
      }),
      organizer(),
    );
    expect(errorCode(body)).toBe('BAD_USER_INPUT');
    expect(Object.keys(fieldsOf(body)!).sort()).toEqual([
      'input.capacity',
      'input.countryCode',
      'input.latitude',
      'input.longitude',
      'input.name',
      'input.timeZone',
    ]);
    expect(fieldsOf(body)!['input.countryCode']).toBe('XX is not an ISO 3166-1 country code');
    expect(await outboxSize(listings)).toBe(before);
  });

  it('needs an organizer permission (FORBIDDEN) and a signed-in caller (UNAUTHENTICATED)', async () => {
    const before = await outboxSize(listings);
    const plain = await listings.graphql(CREATE_VENUE, venueInput(), signedIn(randomUUID(), []));
    expect(errorCode(plain.body)).toBe('FORBIDDEN');
    expect(plain.body.errors?.[0]?.message).toBe(`You need the ${Permission.ListingsVenueWrite} permission to do this`);
    expect(errorCode((await listings.graphql(CREATE_VENUE, venueInput(), anonymous)).body)).toBe('UNAUTHENTICATED');
    expect(await outboxSize(listings)).toBe(before);
  });

  it('only its organizer or a manager changes a venue; each change is a venue.updated', async () => {
    const owner = organizer();
    const id = await createVenue(listings, owner);
    const stranger = await listings.graphql(UPDATE_VENUE, { input: { id, name: 'Mine now' } }, organizer());
    expect(errorCode(stranger.body)).toBe('FORBIDDEN');

    const own = await listings.graphql(UPDATE_VENUE, { input: { id, capacity: 800, latitude: null } }, owner);
    expect(own.body.data).toMatchObject({
      updateVenue: { venue: { id, capacity: 800, latitude: null, longitude: 13.405 } },
    });
    const managed = await listings.graphql(UPDATE_VENUE, { input: { id, timeZone: 'Europe/Paris' } }, manager());
    expect(errorCode(managed.body)).toBeUndefined();

    const updates = await outboxEvents(listings, id, 'platform.listings.venue.updated.v1');
    expect(updates.map((event) => [event.data.venue.capacity, event.data.venue.timeZone])).toEqual([
      [800, 'Europe/Berlin'],
      [800, 'Europe/Paris'],
    ]);
  });

  it("refuses to shrink a venue below an event's ticket capacity (CONFLICT naming it)", async () => {
    const owner = organizer();
    const venueId = await createVenue(listings, owner, { capacity: 500 });
    const event = await createEvent(listings, owner, venueId, {
      ticketTypes: [{ name: 'All', capacity: 400, price: { amount: '10.00', currencyCode: 'EUR' } }],
    });
    const { body } = await listings.graphql(UPDATE_VENUE, { input: { id: venueId, capacity: 300 } }, owner);
    expect(errorCode(body)).toBe('CONFLICT');
    expect(body.errors?.[0]?.message).toContain(`(${event.id}) at this venue holds 400 tickets`);
    const fine = await listings.graphql(UPDATE_VENUE, { input: { id: venueId, capacity: 400 } }, owner);
    expect(errorCode(fine.body)).toBeUndefined();
  });

  it('reads a venue by id (null when unknown) and pages through venues by name', async () => {
    const owner = organizer();
    const prefix = `zz-${randomUUID().slice(0, 6)}`;
    const ids = [];
    for (const suffix of ['c', 'a', 'b']) ids.push(await createVenue(listings, owner, { name: `${prefix}-${suffix}` }));
    const one = await listings.graphql<{ venue: { id: string } | null }>('query($id: ID!) { venue(id: $id) { id } }', {
      id: ids[0],
    });
    expect(one.body.data?.venue?.id).toBe(ids[0]);
    const none = await listings.graphql('query($id: ID!) { venue(id: $id) { id } }', { id: randomUUID() });
    expect(none.body.data).toEqual({ venue: null });

    const names: string[] = [];
    let after: string | null = null;
    for (;;) {
      const page: {
        body: {
          data?: {
            venues: {
              edges: { node: { name: string } }[];
              pageInfo: { hasNextPage: boolean; endCursor: string | null };
            };
          } | null;
        };
      } = await listings.graphql(VENUES, { first: 2, after });
      const { edges, pageInfo } = page.body.data!.venues;
      expect(edges.length).toBeLessThanOrEqual(2);
      names.push(...edges.map((edge) => edge.node.name));
      if (!pageInfo.hasNextPage) break;
      after = pageInfo.endCursor;
    }
    expect(names.filter((name) => name.startsWith(prefix))).toEqual([`${prefix}-a`, `${prefix}-b`, `${prefix}-c`]);
    expect(new Set(names).size).toBe(names.length);
  });
});

describe('creating events', () => {
  let owner: ReturnType<typeof organizer>;
  let venueId: string;
  beforeAll(async () => {
    owner = organizer();
    venueId = await createVenue(listings, owner, { capacity: 500, timeZone: 'America/New_York' });
  });

  it('creates a draft with its ticket types through the contract operation, announced as event.created v1', async () => {
    const { body } = await listings.graphql<{ createEvent: { event: Record<string, unknown> & { id: string } } }>(
      CREATE_EVENT,
      {
        venueId,
        title: 'Jazz night',
        description: 'Trio',
        category: 'concert',
        startsAt: '2099-06-01T19:00:00-04:00',
        endsAt: '2099-06-01T23:00:00-04:00',
        ticketTypeName: 'Seat',
        capacity: 120,
        price: '12.5',
        currencyCode: 'USD',
      },
      owner,
    );
    expect(body.errors).toBeUndefined();
    const event = body.data!.createEvent.event;
    expect(event).toMatchObject({
      title: 'Jazz night',
      status: 'DRAFT',
      startsAt: '2099-06-01T23:00:00.000Z',
      venue: { id: venueId },
      ticketTypes: [{ name: 'Seat', capacity: 120, price: { amount: '12.50', currencyCode: 'USD' } }],
    });
    expect((await readEvent(event.id, owner))?.timeZone).toBe('America/New_York');
    const [created] = await outboxEvents(listings, event.id, 'platform.listings.event.created.v1');
    expect(created!.data.event).toMatchObject({
      id: event.id,
      version: 1,
      organizerId: owner.userId,
      status: 'DRAFT',
      startsAt: '2099-06-01T23:00:00.000Z',
      venue: { id: venueId, timeZone: 'America/New_York' },
      ticketTypes: [{ name: 'Seat', capacity: 120, price: { amount: '12.50', currencyCode: 'USD' } }],
    });
  });

  it('refuses money with the wrong precision, an unknown currency or a second currency, naming each field', async () => {
    const before = await outboxSize(listings);
    const { body } = await listings.graphql(
      CREATE_EVENT_FULL,
      {
        input: eventInput(venueId, {
          ticketTypes: [
            { name: 'A', capacity: 10, price: { amount: '12.345', currencyCode: 'EUR' } },
            { name: 'B', capacity: 10, price: { amount: '10.00', currencyCode: 'USD' } },
            { name: 'C', capacity: 10, price: { amount: '1', currencyCode: 'EURO' } },
            { name: 'a', capacity: 10, price: { amount: '-1', currencyCode: 'EUR' } },
          ],
        }),
      },
      owner,
    );
    expect(errorCode(body)).toBe('BAD_USER_INPUT');
    expect(fieldsOf(body)).toEqual({
      'input.ticketTypes.0.price.amount': 'EUR has 2 decimals; "12.345" has more',
      'input.ticketTypes.1.price.currencyCode': 'must be EUR: all ticket types of an event share one currency',
      'input.ticketTypes.2.price.currencyCode': 'EURO is not an ISO 4217 currency code',
      'input.ticketTypes.3.price.amount': 'must not be negative',
      'input.ticketTypes.3.name': 'is used by another ticket type',
    });
    expect(await outboxSize(listings)).toBe(before);
  });

  it('refuses a start in the past, an end before the start, and no ticket types', async () => {
    const { body } = await listings.graphql(
      CREATE_EVENT_FULL,
      { input: eventInput(venueId, { startsAt: hoursFromNow(-1), endsAt: hoursFromNow(-2), ticketTypes: [] }) },
      owner,
    );
    expect(fieldsOf(body)).toEqual({
      'input.startsAt': 'must be in the future',
      'input.endsAt': 'must be after startsAt',
      'input.ticketTypes': 'must list at least one ticket type',
    });
  });

  it('refuses ticket types that together hold more than the venue (BAD_USER_INPUT with both numbers)', async () => {
    const { body } = await listings.graphql(
      CREATE_EVENT_FULL,
      {
        input: eventInput(venueId, {
          ticketTypes: [
            { name: 'Floor', capacity: 400, price: { amount: '10.00', currencyCode: 'EUR' } },
            { name: 'Balcony', capacity: 101, price: { amount: '20.00', currencyCode: 'EUR' } },
          ],
        }),
      },
      owner,
    );
    expect(fieldsOf(body)).toEqual({
      'input.ticketTypes': "the event's ticket types would hold 501 people, more than the venue's capacity of 500",
    });
  });

  it('answers NOT_FOUND for an unknown venue and FORBIDDEN without the event permission', async () => {
    const unknown = await listings.graphql(CREATE_EVENT_FULL, { input: eventInput(randomUUID()) }, owner);
    expect(errorCode(unknown.body)).toBe('NOT_FOUND');
    const venueOnly = signedIn(randomUUID(), [Permission.ListingsVenueWrite]);
    const refused = await listings.graphql(CREATE_EVENT_FULL, { input: eventInput(venueId) }, venueOnly);
    expect(errorCode(refused.body)).toBe('FORBIDDEN');
  });
});

describe('the life of an event', () => {
  let owner: ReturnType<typeof organizer>;
  let venueId: string;
  beforeAll(async () => {
    owner = organizer();
    venueId = await createVenue(listings, owner, { capacity: 300 });
  });

  it('shows a draft only to its organizer and managers; anyone sees it once published', async () => {
    const event = await createEvent(listings, owner, venueId);
    expect(await readEvent(event.id, anonymous)).toBeNull();
    expect(await readEvent(event.id, organizer())).toBeNull();
    expect((await readEvent(event.id, owner))?.status).toBe('DRAFT');
    expect((await readEvent(event.id, manager()))?.status).toBe('DRAFT');
    // Someone else's draft does not exist for them, even to change it.
    const hidden = await listings.graphql(PUBLISH_EVENT, { id: event.id }, organizer());
    expect(errorCode(hidden.body)).toBe('NOT_FOUND');

    await publish(listings, owner, event.id);
    expect((await readEvent(event.id, anonymous))?.status).toBe('PUBLISHED');
  });

  it('publishes a draft once (event.published v2), then CONFLICT; strangers get FORBIDDEN', async () => {
    const event = await createEvent(listings, owner, venueId);
    const { body } = await listings.graphql(PUBLISH_EVENT, { id: event.id }, owner);
    expect(body.data).toEqual({ publishEvent: { event: { id: event.id, status: 'PUBLISHED' } } });
    const again = await listings.graphql(PUBLISH_EVENT, { id: event.id }, owner);
    expect(errorCode(again.body)).toBe('CONFLICT');
    expect(again.body.errors?.[0]?.message).toBe('The event is published: only a draft can be published');
    const stranger = await listings.graphql(CANCEL_EVENT, { id: event.id, reason: 'mine' }, organizer());
    expect(errorCode(stranger.body)).toBe('FORBIDDEN');

    const events = await outboxEvents(listings, event.id);
    expect(events.map((entry) => [entry.type, (entry.data as { event: { version: number } }).event.version])).toEqual([
      ['platform.listings.event.created.v1', 1],
      ['platform.listings.event.published.v1', 2],
    ]);
    await expectRelayed(listings, event.id, [
      'platform.listings.event.created.v1',
      'platform.listings.event.published.v1',
    ]);
  });

  it('cancels with a reason (event.cancelled), and a second cancel is a CONFLICT', async () => {
    const event = await createEvent(listings, owner, venueId);
    await publish(listings, owner, event.id);
    const { body } = await listings.graphql(CANCEL_EVENT, { id: event.id, reason: 'The band is ill' }, manager());
    expect(body.data).toEqual({ cancelEvent: { event: { id: event.id, status: 'CANCELLED' } } });
    expect(await readEvent(event.id)).toMatchObject({ status: 'CANCELLED', cancellationReason: 'The band is ill' });
    const again = await listings.graphql(CANCEL_EVENT, { id: event.id, reason: 'again' }, owner);
    expect(errorCode(again.body)).toBe('CONFLICT');
    const [cancelled] = await outboxEvents(listings, event.id, 'platform.listings.event.cancelled.v1');
    expect(cancelled!.data).toMatchObject({ reason: 'The band is ill', event: { status: 'CANCELLED', version: 3 } });
    const empty = await listings.graphql(CANCEL_EVENT, { id: event.id, reason: '' }, owner);
    expect(fieldsOf(empty.body)).toEqual({ 'input.reason': 'must not be empty' });
  });

  it('reads a published event whose end passed as ENDED, which can no longer change', async () => {
    const event = await createEvent(listings, owner, venueId);
    await publish(listings, owner, event.id);
    await moveIntoPast(listings, event.id);
    expect((await readEvent(event.id))?.status).toBe('ENDED');
    const cancel = await listings.graphql(CANCEL_EVENT, { id: event.id, reason: 'late' }, owner);
    expect(errorCode(cancel.body)).toBe('CONFLICT');
    const update = await listings.graphql(UPDATE_EVENT, { input: { id: event.id, title: 'Renamed' } }, owner);
    expect(errorCode(update.body)).toBe('CONFLICT');
  });

  it('refuses to publish a draft whose start has passed (CONFLICT)', async () => {
    const event = await createEvent(listings, owner, venueId);
    await moveIntoPast(listings, event.id);
    const { body } = await listings.graphql(PUBLISH_EVENT, { id: event.id }, owner);
    expect(errorCode(body)).toBe('CONFLICT');
  });

  it('updates details with a new version (event.updated) and checks the new schedule', async () => {
    const event = await createEvent(listings, owner, venueId);
    const startsAt = hoursFromNow(100);
    const { body } = await listings.graphql<{ updateEvent: { event: { version: number; title: string } } }>(
      UPDATE_EVENT,
      { input: { id: event.id, title: 'Summer concert', startsAt, endsAt: hoursFromNow(102) } },
      owner,
    );
    expect(body.errors).toBeUndefined();
    expect(body.data!.updateEvent.event).toMatchObject({ title: 'Summer concert', version: 2 });
    const bad = await listings.graphql(UPDATE_EVENT, { input: { id: event.id, endsAt: hoursFromNow(99) } }, owner);
    expect(fieldsOf(bad.body)).toEqual({ 'input.endsAt': 'must be after startsAt' });
    const nulled = await listings.graphql(UPDATE_EVENT, { input: { id: event.id, title: null } }, owner);
    expect(fieldsOf(nulled.body)).toEqual({ 'input.title': 'must not be null' });
    const [updated] = await outboxEvents(listings, event.id, 'platform.listings.event.updated.v1');
    expect(updated!.data.event).toMatchObject({ title: 'Summer concert', version: 2, startsAt });
  });
});

describe('ticket types and capacity', () => {
  let owner: ReturnType<typeof organizer>;
  let venueId: string;
  beforeAll(async () => {
    owner = organizer();
    venueId = await createVenue(listings, owner, { capacity: 300 });
  });

  it('adds a ticket type in the event currency and within the venue, bumping the version', async () => {
    const event = await createEvent(listings, owner, venueId);
    const add = (ticketType: Record<string, unknown>) =>
      listings.graphql<{ addTicketType: { ticketType: { name: string; event: { version: number } } } }>(
        ADD_TICKET_TYPE,
        { input: { eventId: event.id, ticketType } },
        owner,
      );
    const dollars = await add({ name: 'VIP', capacity: 10, price: { amount: '99.00', currencyCode: 'USD' } });
    expect(fieldsOf(dollars.body)).toEqual({
      'input.ticketType.price.currencyCode': 'must be EUR: all ticket types of an event share one currency',
    });
    const tooBig = await add({ name: 'VIP', capacity: 201, price: { amount: '99.00', currencyCode: 'EUR' } });
    expect(fieldsOf(tooBig.body)).toEqual({
      'input.ticketType.capacity':
        "the event's ticket types would hold 301 people, more than the venue's capacity of 300",
    });
    const taken = await add({ name: 'standing', capacity: 10, price: { amount: '99.00', currencyCode: 'EUR' } });
    expect(fieldsOf(taken.body)).toEqual({ 'input.ticketType.name': 'is used by another ticket type' });
    const ok = await add({ name: 'VIP', capacity: 200, price: { amount: '99.00', currencyCode: 'EUR' } });
    expect(ok.body.data?.addTicketType.ticketType).toMatchObject({ name: 'VIP', event: { version: 2 } });
    expect((await readEvent(event.id, owner))?.ticketTypes.map((type) => type.capacity)).toEqual([100, 200]);
  });

  it('never lets concurrent additions together exceed the venue (exactly as many as fit succeed)', async () => {
    const event = await createEvent(listings, owner, venueId);
    // 100 taken of 300: room for exactly four more ticket types of 50.
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, index) =>
        listings.graphql(
          ADD_TICKET_TYPE,
          {
            input: {
              eventId: event.id,
              ticketType: { name: `Block ${index}`, capacity: 50, price: { amount: '5.00', currencyCode: 'EUR' } },
            },
          },
          owner,
        ),
      ),
    );
    expect(results.filter((result) => errorCode(result.body) === undefined)).toHaveLength(4);
    expect(results.filter((result) => errorCode(result.body) === 'BAD_USER_INPUT')).toHaveLength(6);
    const capacities = (await readEvent(event.id, owner))!.ticketTypes.map((type) => type.capacity);
    expect(capacities.reduce((sum, capacity) => sum + capacity, 0)).toBe(300);
    // Each change has its own version: 1 at creation, then one per addition.
    expect((await readEvent(event.id, owner))!.version).toBe(5);
  });

  it("grows a published event's capacity without asking bookings, but not beyond the venue", async () => {
    // Bookings is not configured here: a call to it would fail the request.
    const event = await createEvent(listings, owner, venueId);
    await publish(listings, owner, event.id);
    const id = event.ticketTypes[0]!.id;
    const grown = await listings.graphql(UPDATE_TICKET_TYPE, { input: { id, capacity: 250 } }, owner);
    expect(grown.body.data).toMatchObject({
      updateTicketType: { ticketType: { capacity: 250, event: { version: 3 } } },
    });
    const beyond = await listings.graphql(UPDATE_TICKET_TYPE, { input: { id, capacity: 301 } }, owner);
    expect(fieldsOf(beyond.body)).toEqual({
      'input.capacity': "the event's ticket types would hold 301 people, more than the venue's capacity of 300",
    });
    const price = await listings.graphql(
      UPDATE_TICKET_TYPE,
      { input: { id, price: { amount: '30.00', currencyCode: 'EUR' } } },
      owner,
    );
    expect(errorCode(price.body)).toBe('CONFLICT');
    const [, , updated] = await outboxEvents(listings, event.id);
    expect(updated).toMatchObject({
      type: 'platform.listings.event.updated.v1',
      data: { event: { version: 3, ticketTypes: [{ id, capacity: 250 }] } },
    });
  });

  it("changes a draft's capacity down and its price freely; unknown ticket types are NOT_FOUND", async () => {
    const event = await createEvent(listings, owner, venueId);
    const id = event.ticketTypes[0]!.id;
    const { body } = await listings.graphql(
      UPDATE_TICKET_TYPE,
      { input: { id, capacity: 0, price: { amount: '0', currencyCode: 'EUR' } } },
      owner,
    );
    expect(body.data).toMatchObject({
      updateTicketType: { ticketType: { capacity: 0, price: { amount: '0.00', currencyCode: 'EUR' } } },
    });
    const stranger = await listings.graphql(UPDATE_TICKET_TYPE, { input: { id, capacity: 5 } }, organizer());
    expect(errorCode(stranger.body)).toBe('NOT_FOUND');
    const unknown = await listings.graphql(UPDATE_TICKET_TYPE, { input: { id: randomUUID(), capacity: 5 } }, owner);
    expect(errorCode(unknown.body)).toBe('NOT_FOUND');
  });
});

describe('idempotency keys on the create mutations', () => {
  it('returns the first venue for a retry with the same key, and refuses the key with other input', async () => {
    const owner = organizer();
    const input = venueInput({ idempotencyKey: `venue-${randomUUID()}` });
    const create = (variables: Record<string, unknown>, caller = owner) =>
      listings.graphql<{ createVenue: { venue: { id: string } } }>(
        `mutation($input: CreateVenueInput!) { createVenue(input: $input) { venue { id } } }`,
        { input: variables },
        caller,
      );
    const first = (await create(input)).body.data!.createVenue.venue.id;
    expect((await create(input)).body.data!.createVenue.venue.id).toBe(first);
    expect(await outboxEvents(listings, first)).toHaveLength(1);
    const other = await create({ ...input, capacity: 42 });
    expect(fieldsOf(other.body)).toEqual({ 'input.idempotencyKey': 'was already used for a different request' });
    // Keys are per caller: someone else's request with the same key is their own.
    const someoneElse = await create(input, organizer());
    expect(someoneElse.body.data!.createVenue.venue.id).not.toBe(first);
  });

  it('answers a retry with what the first request answered, even after the venue or event changed', async () => {
    const owner = organizer();
    const venue = venueInput({ idempotencyKey: `venue-${randomUUID()}` });
    const createdVenue = await listings.graphql<{ createVenue: { venue: { id: string } } }>(
      `mutation($input: CreateVenueInput!) { createVenue(input: $input) { venue { id name capacity } } }`,
      { input: venue },
      owner,
    );
    const venueId = createdVenue.body.data!.createVenue.venue.id;
    const event = eventInput(venueId, { idempotencyKey: `event-${randomUUID()}` });
    const createdEvent = await listings.graphql<{
      createEvent: { event: { id: string; ticketTypes: { id: string }[] } };
    }>(CREATE_EVENT_FULL, { input: event }, owner);
    const { id: eventId, ticketTypes } = createdEvent.body.data!.createEvent.event;

    expect(
      errorCode((await listings.graphql(UPDATE_VENUE, { input: { id: venueId, name: 'Renamed' } }, owner)).body),
    ).toBeUndefined();
    expect(
      errorCode((await listings.graphql(UPDATE_EVENT, { input: { id: eventId, title: 'Retitled' } }, owner)).body),
    ).toBeUndefined();
    const repriced = { id: ticketTypes[0]!.id, price: { amount: '99.00', currencyCode: 'EUR' } };
    expect(errorCode((await listings.graphql(UPDATE_TICKET_TYPE, { input: repriced }, owner)).body)).toBeUndefined();

    // Both records changed since (the event's version too); the keys still answer as they did.
    const venueAgain = await listings.graphql(
      `mutation($input: CreateVenueInput!) { createVenue(input: $input) { venue { id name capacity } } }`,
      { input: venue },
      owner,
    );
    expect(venueAgain.body).toEqual(createdVenue.body);
    expect((await listings.graphql(CREATE_EVENT_FULL, { input: event }, owner)).body).toEqual(createdEvent.body);
    expect(await outboxEvents(listings, eventId, 'platform.listings.event.created.v1')).toHaveLength(1);
  });

  it('creates one event for concurrent requests with the same key', async () => {
    const owner = organizer();
    const venueId = await createVenue(listings, owner);
    const input = eventInput(venueId, { idempotencyKey: `event-${randomUUID()}` });
    const results = await Promise.all(
      Array.from({ length: 5 }, () =>
        listings.graphql<{ createEvent: { event: { id: string } } }>(CREATE_EVENT_FULL, { input }, owner),
      ),
    );
    const ids = new Set(results.map((result) => result.body.data?.createEvent.event.id));
    expect(ids.size).toBe(1);
    const [id] = [...ids];
    expect(await outboxEvents(listings, id!)).toHaveLength(1);
  });
});

describe('listing events', () => {
  type Page = {
    events: {
      edges: { cursor: string; node: { id: string; startsAt: string; status: string } }[];
      pageInfo: { hasNextPage: boolean; endCursor: string | null };
    };
  };

  it('pages through published events in start order with opaque cursors; drafts and cancelled ones stay out', async () => {
    const owner = organizer();
    const venueId = await createVenue(listings, owner);
    const at = (hours: number) => ({ startsAt: hoursFromNow(hours), endsAt: hoursFromNow(hours + 2) });
    const late = await createEvent(listings, owner, venueId, at(9003));
    const early = await createEvent(listings, owner, venueId, at(9001));
    const middle = await createEvent(listings, owner, venueId, at(9002));
    const draft = await createEvent(listings, owner, venueId, at(9002));
    const cancelled = await createEvent(listings, owner, venueId, at(9002));
    for (const event of [late, early, middle, cancelled]) await publish(listings, owner, event.id);
    await listings.graphql(CANCEL_EVENT, { id: cancelled.id, reason: 'off' }, owner);

    const seen: string[] = [];
    let after: string | null = null;
    for (let pages = 0; ; pages++) {
      expect(pages).toBeLessThan(100);
      const page: GraphQLResult<Page> = await listings.graphql<Page>(EVENTS, { first: 2, after });
      const { edges, pageInfo } = page.body.data!.events;
      expect(edges.length).toBeLessThanOrEqual(2);
      expect(edges.every((edge) => edge.node.status === 'PUBLISHED' || edge.node.status === 'ENDED')).toBe(true);
      seen.push(...edges.map((edge) => edge.node.id));
      if (!pageInfo.hasNextPage) {
        expect(pageInfo.endCursor).toBe(edges.at(-1)?.cursor ?? null);
        break;
      }
      after = pageInfo.endCursor;
    }
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.filter((id) => [late.id, early.id, middle.id].includes(id))).toEqual([early.id, middle.id, late.id]);
    expect(seen).not.toContain(draft.id);
    expect(seen).not.toContain(cancelled.id);
  });

  it('bounds first to 1..100 and refuses a cursor it did not give out', async () => {
    for (const first of [0, 101]) {
      const { body } = await listings.graphql(EVENTS, { first });
      expect(fieldsOf(body)).toEqual({ first: 'must be between 1 and 100' });
    }
    const { body } = await listings.graphql(EVENTS, { first: 5, after: 'bm90LWEtY3Vyc29y' });
    expect(fieldsOf(body)).toEqual({ after: 'is not a cursor this list gave out' });
  });
});

describe('entity references', () => {
  it('resolves events, venues and ticket types by reference, hiding drafts from strangers', async () => {
    const owner = organizer();
    const venueId = await createVenue(listings, owner);
    const shown = await createEvent(listings, owner, venueId);
    await publish(listings, owner, shown.id);
    const draft = await createEvent(listings, owner, venueId);
    const query = `query($representations: [_Any!]!) {
      _entities(representations: $representations) {
        ... on Event { id title } ... on Venue { id name } ... on TicketType { id capacity }
      }
    }`;
    const { body } = await listings.graphql<{ _entities: ({ id: string } | null)[] }>(query, {
      representations: [
        { __typename: 'Event', id: shown.id },
        { __typename: 'Event', id: draft.id },
        { __typename: 'Venue', id: venueId },
        { __typename: 'TicketType', id: shown.ticketTypes[0]!.id },
        { __typename: 'TicketType', id: draft.ticketTypes[0]!.id },
        { __typename: 'Event', id: 'not-a-uuid' },
      ],
    });
    expect(body.data!._entities.map((entity) => entity?.id ?? null)).toEqual([
      shown.id,
      null,
      venueId,
      shown.ticketTypes[0]!.id,
      null,
      null,
    ]);
  });
});
