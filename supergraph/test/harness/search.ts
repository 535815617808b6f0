/**
 * What the discovery search tests share: an organizer made with authz's contract operations,
 * events created and published through the gateway, and how long search takes to find them.
 */
import { randomBytes } from 'node:crypto';
import { eventually } from '@platform/devkit/testing';
import { expect } from 'vitest';
import { contractOperation } from './operations.js';
import { signInOrganizer } from './organizers.js';
import type { TestPlatform } from './platform.js';

/** A signed-in organizer (listings.venue.write, listings.event.write) and a venue of theirs in Utrecht. */
export async function organizerWithVenue(platform: TestPlatform) {
  const { token } = await signInOrganizer(platform);
  const venue = await platform.graphql<{ createVenue: { venue: { id: string } } }>(
    contractOperation('CreateVenue'),
    {
      name: 'Tivoli Vredenburg',
      address: 'Vredenburgkade 11',
      city: 'Utrecht',
      countryCode: 'NL',
      timeZone: 'Europe/Amsterdam',
      capacity: 2000,
      latitude: 52.0929,
      longitude: 5.1136,
    },
    { token },
  );
  expect(venue.body.errors).toBeUndefined();
  return { token, venueId: venue.body.data!.createVenue.venue.id };
}

/** A word of 12 letters nobody else uses, so a search for it finds one event. */
export const uniqueWord = () => Array.from(randomBytes(12), (byte) => String.fromCharCode(97 + (byte % 26))).join('');

/** Creates and publishes an event titled `title`; answers its id and when the publication returned. */
export async function publishEvent(platform: TestPlatform, token: string, venueId: string, title: string) {
  const startsAt = new Date(Date.now() + 7 * 24 * 3600_000);
  const created = await platform.graphql<{ createEvent: { event: { id: string } } }>(
    contractOperation('CreateEvent'),
    {
      venueId,
      title,
      description: 'A night of music by the canal',
      category: 'concert',
      startsAt: startsAt.toISOString(),
      endsAt: new Date(startsAt.getTime() + 3 * 3600_000).toISOString(),
      ticketTypeName: 'Standing',
      capacity: 100,
      price: '25.00',
      currencyCode: 'EUR',
    },
    { token },
  );
  expect(created.body.errors).toBeUndefined();
  const id = created.body.data!.createEvent.event.id;
  const published = await platform.graphql(contractOperation('PublishEvent'), { id }, { token });
  expect(published.body.errors).toBeUndefined();
  return { id, publishedAt: performance.now() };
}

/** The ids SearchEvents finds for `text`, anonymously through the gateway. */
export async function searchIds(platform: TestPlatform, text: string): Promise<string[]> {
  const result = await platform.graphql<{ searchEvents: { edges: { node: { id: string } }[] } }>(
    contractOperation('SearchEvents'),
    { text, first: 10 },
  );
  expect(result.body.errors).toBeUndefined();
  return result.body.data!.searchEvents.edges.map((edge) => edge.node.id);
}

/** Milliseconds from each publication until search finds the event, for `count` events one after another. */
export async function freshness(platform: TestPlatform, token: string, venueId: string, count: number) {
  const delays: number[] = [];
  for (let index = 0; index < count; index++) {
    const word = uniqueWord();
    const { id, publishedAt } = await publishEvent(platform, token, venueId, `Canal concert ${word}`);
    await eventually(async () => (await searchIds(platform, word)).includes(id), `search to find ${word}`, 10_000);
    delays.push(performance.now() - publishedAt);
  }
  return delays;
}

export const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
};
