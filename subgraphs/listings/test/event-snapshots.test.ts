/**
 * The internal snapshot route search rebuilds its index from (`POST /internal/events/snapshots`,
 * src/internal/routes.ts): pages of every event's snapshot by id, only for search's credential.
 * Listings runs here with a second service let in to its internal API (bookings, as authz is
 * let in to any subgraph that runs jobs), so a known service that is not search can be shown
 * the door; the rebuild itself runs end to end in supergraph/test/e2e/discovery-search.test.ts.
 */
import { randomBytes } from 'node:crypto';
import { outboxEvents, startSubgraph } from '@platform/devkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listingsSubgraph } from '../src/subgraph.js';
import { CANCEL_EVENT, createEvent, createVenue, organizer, publish, type ListingsHarness } from './support.js';

const PATH = '/internal/events/snapshots';
const searchCredential = `svc_${randomBytes(24).toString('hex')}`;
const bookingsCredential = `svc_${randomBytes(24).toString('hex')}`;

let listings: ListingsHarness;
/** The events this file created, by id (the database is this file's own). */
let ids: string[];

beforeAll(async () => {
  listings = await startSubgraph(
    { ...listingsSubgraph, internalApi: { callers: ['search', 'bookings'] } },
    { env: { INTERNAL_API_CREDENTIALS: `search:${searchCredential},bookings:${bookingsCredential}` } },
  );
  const owner = organizer();
  const venueId = await createVenue(listings, owner);
  const draft = await createEvent(listings, owner, venueId);
  const published = await createEvent(listings, owner, venueId);
  await publish(listings, owner, published.id);
  const cancelled = await createEvent(listings, owner, venueId);
  await publish(listings, owner, cancelled.id);
  const { body } = await listings.graphql(CANCEL_EVENT, { id: cancelled.id, reason: 'The band split up' }, owner);
  expect(body.errors).toBeUndefined();
  ids = [draft.id, published.id, cancelled.id].sort();
});
afterAll(() => listings?.stop());

const snapshots = (body: unknown, authorization: string | null = `Bearer ${searchCredential}`) =>
  listings.internal<{ events: { id: string; status: string; version: number }[]; next: string | null }>(
    'search',
    PATH,
    body,
    { authorization },
  );

/** The snapshot the event's latest domain event carried. */
async function latestSnapshot(id: string) {
  const events = await outboxEvents(listings, id);
  return (events.at(-1)!.data as { event: unknown }).event;
}

describe('the internal snapshot route for search', () => {
  it('pages through every event of every status by id, each as its latest domain event carried it', async () => {
    const first = await snapshots({ after: null, limit: 2 });
    expect(first.status).toBe(200);
    expect(first.body.events.map((event) => event.id)).toEqual(ids.slice(0, 2));
    expect(first.body.next).toBe(ids[1]);

    const second = await snapshots({ after: first.body.next, limit: 2 });
    expect(second.status).toBe(200);
    expect(second.body.events.map((event) => event.id)).toEqual(ids.slice(2));
    // A short page is the last.
    expect(second.body.next).toBeNull();

    const all = [...first.body.events, ...second.body.events];
    expect(all.map((event) => event.status).sort()).toEqual(['CANCELLED', 'DRAFT', 'PUBLISHED']);
    for (const event of all) expect(event).toEqual(await latestSnapshot(event.id));

    // A full last page points past itself; the page after it is empty.
    const exact = await snapshots({ after: null, limit: 3 });
    expect(exact.body.next).toBe(ids[2]);
    expect(await snapshots({ after: exact.body.next, limit: 3 })).toEqual({
      status: 200,
      body: { events: [], next: null },
    });
  });

  it('refuses any other service with 403, and a missing or unknown credential with 401', async () => {
    const bookings = await snapshots({ after: null, limit: 10 }, `Bearer ${bookingsCredential}`);
    expect(bookings).toEqual({
      status: 403,
      body: { error: 'The bookings service may not call /internal/events/snapshots', code: 'FORBIDDEN' },
    });
    expect((await snapshots({ after: null, limit: 10 }, null)).status).toBe(401);
    expect((await snapshots({ after: null, limit: 10 }, 'Bearer svc_unknown')).status).toBe(401);
  });

  it('answers a bad body with 400 saying what the body must be', async () => {
    const bad = [
      { after: null, limit: 0 },
      { after: null, limit: 501 },
      { after: null, limit: 2.5 },
      { after: 'not-an-event-id', limit: 10 },
      { limit: 10 },
    ];
    for (const body of bad) {
      expect(await snapshots(body), JSON.stringify(body)).toEqual({
        status: 400,
        body: {
          error: 'The body must be JSON: { "after": "<event id>" | null, "limit": <1 to 500> }',
          code: 'BAD_REQUEST',
        },
      });
    }
    expect((await snapshots('{ not json')).status).toBe(400);
  });
});
