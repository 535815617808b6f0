/**
 * Venues and events through the real gateway (issue #9, the listings half of
 * ticketing.graphql): an admin makes a user an organizer with the authz contract operations
 * (an `organizer` role holding listings.venue.write and listings.event.write), who then runs
 * CreateVenue, CreateEvent, PublishEvent and CancelEvent; anyone reads Event and Events, with
 * the organizer's name from identity and availability from bookings, which learnt the event
 * from listings' snapshots over the event bus. Lowering a published capacity goes through
 * bookings' real internal API.
 */
import { randomUUID } from 'node:crypto';
import { eventually } from '@platform/devkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contractOperation } from '../harness/operations.js';
import { signInOrganizer } from '../harness/organizers.js';
import { startTestPlatform, type TestPlatform } from '../harness/platform.js';
import { errorCodes, login, registerUser, type TestUser } from '../harness/users.js';

let platform: TestPlatform;
let organizer: TestUser;
let organizerToken: string;
let buyerToken: string;
let adminToken: string;
let organizerRoleId: string;

const hoursFromNow = (hours: number) => new Date(Date.now() + hours * 3_600_000).toISOString();

beforeAll(async () => {
  platform = await startTestPlatform();
  ({ user: organizer, token: organizerToken, roleId: organizerRoleId, adminToken } = await signInOrganizer(platform));
  buyerToken = (await login(platform, await registerUser(platform, 'buyer'))).accessToken;
});
afterAll(() => platform?.stop());

interface EventView {
  id: string;
  status: string;
  organizer: { id: string; name: string } | null;
  venue: { id: string; name: string; city: string };
  ticketTypes: { id: string; capacity: number; available: number; price: { amount: string; currencyCode: string } }[];
}

async function createListedEvent(
  capacity = 100,
  token = organizerToken,
): Promise<{ venueId: string; eventId: string; ticketTypeId: string }> {
  const venue = await platform.graphql<{ createVenue: { venue: { id: string; name: string; capacity: number } } }>(
    contractOperation('CreateVenue'),
    {
      name: `Columbiahalle ${randomUUID().slice(0, 6)}`,
      address: 'Columbiadamm 13-21',
      city: 'Berlin',
      countryCode: 'DE',
      timeZone: 'Europe/Berlin',
      capacity: 3500,
      latitude: 52.4834,
      longitude: 13.3898,
    },
    { token },
  );
  expect(venue.body.errors).toBeUndefined();
  const venueId = venue.body.data!.createVenue.venue.id;
  const event = await platform.graphql<{
    createEvent: { event: { id: string; status: string; ticketTypes: { id: string }[] } };
  }>(
    contractOperation('CreateEvent'),
    {
      venueId,
      title: 'Berlin Jazz Night',
      description: 'Three bands, one night',
      category: 'concert',
      startsAt: hoursFromNow(72),
      endsAt: hoursFromNow(76),
      ticketTypeName: 'Standing',
      capacity,
      price: '39.90',
      currencyCode: 'EUR',
    },
    { token },
  );
  expect(event.body.errors).toBeUndefined();
  expect(event.body.data!.createEvent.event.status).toBe('DRAFT');
  return {
    venueId,
    eventId: event.body.data!.createEvent.event.id,
    ticketTypeId: event.body.data!.createEvent.event.ticketTypes[0]!.id,
  };
}

const readEvent = (id: string, token?: string) =>
  platform.graphql<{ event: EventView | null }>(contractOperation('Event'), { id }, token ? { token } : {});

describe('listings through the gateway', () => {
  it('an organizer creates, publishes and cancels an event that anyone reads with its organizer and availability', async () => {
    const { venueId, eventId, ticketTypeId } = await createListedEvent();

    // A draft is the organizer's alone.
    expect((await readEvent(eventId)).body.data?.event).toBeNull();
    expect((await readEvent(eventId, organizerToken)).body.data?.event?.status).toBe('DRAFT');

    const published = await platform.graphql(
      contractOperation('PublishEvent'),
      { id: eventId },
      { token: organizerToken },
    );
    expect(published.body).toEqual({ data: { publishEvent: { event: { id: eventId, status: 'PUBLISHED' } } } });

    // Bookings learns the event from the published snapshot; until then it has no availability to give.
    const event = await eventually(async () => {
      const response = await readEvent(eventId);
      return response.body.errors ? undefined : response.body.data?.event;
    }, 'bookings to know the published event');
    expect(event).toMatchObject({
      id: eventId,
      status: 'PUBLISHED',
      organizer: { id: organizer.id, name: 'Test organizer' },
      venue: { id: venueId, city: 'Berlin' },
      ticketTypes: [
        { id: ticketTypeId, capacity: 100, available: 100, price: { amount: '39.90', currencyCode: 'EUR' } },
      ],
    });

    const listed: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 50; page++) {
      const response: Awaited<ReturnType<typeof platform.graphql<EventsPage>>> = await platform.graphql<EventsPage>(
        contractOperation('Events'),
        { first: 20, after },
      );
      expect(response.body.errors).toBeUndefined();
      listed.push(...response.body.data!.events.edges.map((edge) => edge.node.id));
      if (!response.body.data!.events.pageInfo.hasNextPage) break;
      after = response.body.data!.events.pageInfo.endCursor;
    }
    expect(listed).toContain(eventId);

    const cancelled = await platform.graphql(
      contractOperation('CancelEvent'),
      { id: eventId, reason: 'The venue flooded' },
      { token: organizerToken },
    );
    expect(cancelled.body).toEqual({ data: { cancelEvent: { event: { id: eventId, status: 'CANCELLED' } } } });
    const again = await platform.graphql(
      contractOperation('CancelEvent'),
      { id: eventId, reason: 'twice' },
      { token: organizerToken },
    );
    expect(errorCodes(again)).toEqual(['CONFLICT']);
  });

  it('denies the organizer mutations at the gateway to a user without the organizer role', async () => {
    const { eventId } = await createListedEvent();
    const attempts = [
      platform.graphql(contractOperation('PublishEvent'), { id: eventId }, { token: buyerToken }),
      platform.graphql(contractOperation('CancelEvent'), { id: eventId, reason: 'mine' }, { token: buyerToken }),
      platform.graphql(contractOperation('PublishEvent'), { id: eventId }),
    ];
    for (const response of await Promise.all(attempts)) {
      expect(errorCodes(response)).toEqual(['UNAUTHORIZED_FIELD_OR_TYPE']);
    }
    expect((await readEvent(eventId, organizerToken)).body.data?.event?.status).toBe('DRAFT');
  });

  it("lowers a published capacity only as far as bookings' holds allow", async () => {
    const { eventId, ticketTypeId } = await createListedEvent(10);
    await platform.graphql(contractOperation('PublishEvent'), { id: eventId }, { token: organizerToken });
    const hold = await eventually(async () => {
      const response = await platform.graphql(
        contractOperation('HoldTickets'),
        { ticketTypeId, quantity: 3, idempotencyKey: randomUUID() },
        { token: buyerToken },
      );
      return response.body.errors ? undefined : response;
    }, 'bookings to sell the published event');
    expect(hold.body.data).toMatchObject({ holdTickets: { booking: { status: 'HELD', quantity: 3 } } });

    const lower = (capacity: number) =>
      platform.graphql(
        `mutation($id: ID!, $capacity: Int!) { updateTicketType(input: { id: $id, capacity: $capacity }) { ticketType { capacity } } }`,
        { id: ticketTypeId, capacity },
        { token: organizerToken },
      );
    const refused = await lower(2);
    expect(errorCodes(refused)).toEqual(['CONFLICT']);
    expect(refused.body.errors?.[0]?.message).toBe(
      'The capacity of "Standing" cannot drop to 2: 0 tickets are sold and 3 held',
    );
    const lowered = await lower(5);
    expect(lowered.body).toEqual({ data: { updateTicketType: { ticketType: { capacity: 5 } } } });
  });
});

describe('an organizer whose account is deleted', () => {
  it('leaves their published event readable, with a null organizer', async () => {
    const leaving = await registerUser(platform, 'leaving');
    await platform.graphql(
      contractOperation('AssignRole'),
      { userId: leaving.id, roleId: organizerRoleId },
      { token: adminToken },
    );
    const token = (await login(platform, leaving)).accessToken;
    const { eventId } = await createListedEvent(10, token);
    await platform.graphql(contractOperation('PublishEvent'), { id: eventId }, { token });
    const deleted = await platform.graphql(contractOperation('DeleteUser'), { id: leaving.id }, { token: adminToken });
    expect(deleted.body.errors).toBeUndefined();
    const event = await eventually(async () => {
      const response = await readEvent(eventId);
      return response.body.data?.event?.organizer === null ? response : undefined;
    }, 'the event to read without its deleted organizer');
    expect(event.body.data?.event).toMatchObject({ id: eventId, status: 'PUBLISHED', organizer: null });
  });
});

interface EventsPage {
  events: {
    edges: { cursor: string; node: { id: string; title: string; startsAt: string; status: string } }[];
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
  };
}
