/**
 * What the Evently end-to-end tests share: an organizer made the way an operator makes one
 * (authz's contract operations: a role with listings' permissions, assigned by the admin),
 * and an event put on sale through listings that bookings already knows.
 */
import { randomUUID } from 'node:crypto';
import { eventually } from '@platform/devkit/testing';
import { expect } from 'vitest';
import { contractOperation } from './operations.js';
import type { TestPlatform } from './platform.js';
import { login, registerUser, type TestUser } from './users.js';

export interface Organizer {
  user: TestUser;
  token: string;
  roleId: string;
  adminToken: string;
}

/** A new user holding an `organizer` role (listings.venue.write, listings.event.write), signed in. */
export async function signInOrganizer(platform: TestPlatform): Promise<Organizer> {
  const adminToken = (await login(platform, platform.admin)).accessToken;
  const role = await platform.graphql<{ createRole: { role: { id: string } } }>(
    contractOperation('CreateRole'),
    {
      name: 'organizer',
      description: 'Puts events on sale',
      permissions: ['listings.venue.write', 'listings.event.write'],
    },
    { token: adminToken },
  );
  expect(role.body.errors).toBeUndefined();
  const roleId = role.body.data!.createRole.role.id;
  const user = await registerUser(platform, 'organizer');
  const assigned = await platform.graphql(
    contractOperation('AssignRole'),
    { userId: user.id, roleId },
    { token: adminToken },
  );
  expect(assigned.body.errors).toBeUndefined();
  return { user, token: (await login(platform, user)).accessToken, roleId, adminToken };
}

const hoursFromNow = (hours: number) => new Date(Date.now() + hours * 3_600_000).toISOString();

/**
 * A published event two days ahead with one ticket type of `capacity` seats at 39.90 EUR, in a
 * venue of its own; answers once bookings has the event (its availability is the capacity).
 */
export async function publishedEvent(
  platform: TestPlatform,
  organizerToken: string,
  capacity: number,
): Promise<{ eventId: string; ticketTypeId: string }> {
  const venue = await platform.graphql<{ createVenue: { venue: { id: string } } }>(
    contractOperation('CreateVenue'),
    {
      name: `Paradiso ${randomUUID().slice(0, 6)}`,
      address: 'Weteringschans 6-8',
      city: 'Amsterdam',
      countryCode: 'NL',
      timeZone: 'Europe/Amsterdam',
      capacity: 1500,
    },
    { token: organizerToken },
  );
  expect(venue.body.errors).toBeUndefined();
  const created = await platform.graphql<{ createEvent: { event: { id: string; ticketTypes: { id: string }[] } } }>(
    contractOperation('CreateEvent'),
    {
      venueId: venue.body.data!.createVenue.venue.id,
      title: 'Late Night Jazz',
      description: 'Two sets',
      category: 'concert',
      startsAt: hoursFromNow(48),
      endsAt: hoursFromNow(51),
      ticketTypeName: 'Standing',
      capacity,
      price: '39.90',
      currencyCode: 'EUR',
    },
    { token: organizerToken },
  );
  expect(created.body.errors).toBeUndefined();
  const eventId = created.body.data!.createEvent.event.id;
  const ticketTypeId = created.body.data!.createEvent.event.ticketTypes[0]!.id;
  const published = await platform.graphql(
    contractOperation('PublishEvent'),
    { id: eventId },
    { token: organizerToken },
  );
  expect(published.body.errors).toBeUndefined();
  await eventually(async () => {
    const event = await platform.graphql<{ event: { ticketTypes: { available: number }[] } | null }>(
      contractOperation('Event'),
      { id: eventId },
    );
    return event.body.data?.event?.ticketTypes[0]?.available === capacity;
  }, 'bookings to know the published event');
  return { eventId, ticketTypeId };
}

/**
 * A buyer's booking held and paid with the sandbox's accepting card, through the gateway, as
 * the contract's HoldTickets and ConfirmBooking do it: the booking's id and the confirmation's response.
 */
export async function confirmedBooking(
  platform: TestPlatform,
  buyerToken: string,
  ticketTypeId: string,
  quantity: number,
) {
  const held = await platform.graphql<{ holdTickets: { booking: { id: string } } }>(
    contractOperation('HoldTickets'),
    { ticketTypeId, quantity, idempotencyKey: randomUUID() },
    { token: buyerToken },
  );
  expect(held.body.errors).toBeUndefined();
  const bookingId = held.body.data!.holdTickets.booking.id;
  const confirmed = await platform.graphql<{ confirmBooking: { booking: { status: string } } }>(
    contractOperation('ConfirmBooking'),
    { bookingId, paymentToken: 'tok_sandbox_visa', idempotencyKey: randomUUID() },
    { token: buyerToken },
  );
  expect(confirmed.body.errors).toBeUndefined();
  return { bookingId, confirmed };
}
