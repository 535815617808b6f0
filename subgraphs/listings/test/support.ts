/**
 * What listings' tests share beyond the kit's harness: organizer and manager callers, the
 * operations they send (the contract's where it has them), and setup steps through the API.
 */
import { randomUUID } from 'node:crypto';
import { Permission, type Caller } from '@platform/service-kit';
import { contractOperation, signedIn, type SubgraphHarness } from '@platform/devkit/testing';
import { expect } from 'vitest';
import type { listingsSubgraph } from '../src/subgraph.js';

export type ListingsHarness = SubgraphHarness<typeof listingsSubgraph>;

/** A new organizer: may create venues and events, and change their own. */
export const organizer = (): Caller =>
  signedIn(randomUUID(), [Permission.ListingsVenueWrite, Permission.ListingsEventWrite]);

/** Someone who manages every listing (support staff), without being an organizer. */
export const manager = (): Caller => signedIn(randomUUID(), [Permission.ListingsEventManage]);

export const CREATE_VENUE = contractOperation('CreateVenue');
export const CREATE_EVENT = contractOperation('CreateEvent');
export const PUBLISH_EVENT = contractOperation('PublishEvent');
export const CANCEL_EVENT = contractOperation('CancelEvent');
export const EVENTS = contractOperation('Events');

/** The contract's `Event` without `available` and the organizer's name, which other subgraphs resolve. */
export const EVENT = `query Event($id: ID!) {
  event(id: $id) {
    id title description category status startsAt endsAt timeZone version cancellationReason
    venue { id name city timeZone }
    organizer { id }
    ticketTypes { id name capacity price { amount currencyCode } }
  }
}`;

export const CREATE_EVENT_FULL = `mutation CreateEventFull($input: CreateEventInput!) {
  createEvent(input: $input) { event { id status version ticketTypes { id name capacity price { amount currencyCode } } } }
}`;

export const UPDATE_VENUE = `mutation UpdateVenue($input: UpdateVenueInput!) {
  updateVenue(input: $input) { venue { id name capacity timeZone latitude longitude } }
}`;

export const UPDATE_EVENT = `mutation UpdateEvent($input: UpdateEventInput!) {
  updateEvent(input: $input) { event { id title startsAt endsAt version status } }
}`;

export const ADD_TICKET_TYPE = `mutation AddTicketType($input: AddTicketTypeInput!) {
  addTicketType(input: $input) { ticketType { id name capacity price { amount currencyCode } event { id version } } }
}`;

export const UPDATE_TICKET_TYPE = `mutation UpdateTicketType($input: UpdateTicketTypeInput!) {
  updateTicketType(input: $input) { ticketType { id name capacity price { amount currencyCode } event { id version } } }
}`;

export const VENUES = `query Venues($first: Int, $after: String) {
  venues(first: $first, after: $after) { edges { cursor node { id name } } pageInfo { hasNextPage endCursor } }
}`;

const HOUR = 60 * 60 * 1000;

/** An instant `hours` from now, as a client writes it. */
export const hoursFromNow = (hours: number) => new Date(Date.now() + hours * HOUR).toISOString();

export function venueInput(overrides: Record<string, unknown> = {}) {
  return {
    name: `Hall ${randomUUID().slice(0, 8)}`,
    address: 'Karl-Marx-Allee 1',
    city: 'Berlin',
    countryCode: 'DE',
    timeZone: 'Europe/Berlin',
    capacity: 500,
    latitude: 52.52,
    longitude: 13.405,
    ...overrides,
  };
}

export async function createVenue(
  listings: ListingsHarness,
  caller: Caller,
  overrides: Record<string, unknown> = {},
): Promise<string> {
  const { body } = await listings.graphql<{ createVenue: { venue: { id: string } } }>(
    CREATE_VENUE,
    venueInput(overrides),
    caller,
  );
  expect(body.errors).toBeUndefined();
  return body.data!.createVenue.venue.id;
}

export function eventInput(venueId: string, overrides: Record<string, unknown> = {}) {
  return {
    venueId,
    title: 'Spring concert',
    description: 'An evening of music',
    category: 'concert',
    startsAt: hoursFromNow(48),
    endsAt: hoursFromNow(51),
    ticketTypes: [{ name: 'Standing', capacity: 100, price: { amount: '25.00', currencyCode: 'EUR' } }],
    ...overrides,
  };
}

export interface CreatedEvent {
  id: string;
  status: string;
  version: number;
  ticketTypes: { id: string; name: string; capacity: number; price: { amount: string; currencyCode: string } }[];
}

export async function createEvent(
  listings: ListingsHarness,
  caller: Caller,
  venueId: string,
  overrides: Record<string, unknown> = {},
): Promise<CreatedEvent> {
  const { body } = await listings.graphql<{ createEvent: { event: CreatedEvent } }>(
    CREATE_EVENT_FULL,
    { input: eventInput(venueId, overrides) },
    caller,
  );
  expect(body.errors).toBeUndefined();
  return body.data!.createEvent.event;
}

export async function publish(listings: ListingsHarness, caller: Caller, id: string): Promise<void> {
  const { body } = await listings.graphql(PUBLISH_EVENT, { id }, caller);
  expect(body.errors).toBeUndefined();
}

/** Moves an event into the past directly in the database (no API may do that): for ENDED. */
export async function moveIntoPast(listings: ListingsHarness, id: string): Promise<void> {
  await listings.db.raw(
    `update events set starts_at = now() - interval '3 hours', ends_at = now() - interval '1 hour' where id = ?`,
    [id],
  );
}
