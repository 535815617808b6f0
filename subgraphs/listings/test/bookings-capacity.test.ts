/**
 * Lowering a published ticket type's capacity asks bookings first (the protocol agreed with
 * the bookings subgraph, see src/domain/bookings-capacity.ts). Bookings here is a small HTTP
 * server that speaks that protocol and records what it was asked, so this file can check our
 * side of it (the request, the credential, translating 409 into CONFLICT) on its own; the
 * end-to-end test (supergraph/test/e2e/ticketing-listings.test.ts) runs it against the real
 * bookings subgraph.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { errorCode, outboxEvents, startSubgraph } from '@platform/devkit/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { listingsSubgraph } from '../src/subgraph.js';
import { createEvent, createVenue, organizer, publish, UPDATE_TICKET_TYPE, type ListingsHarness } from './support.js';

interface Asked {
  authorization: string | undefined;
  path: string | undefined;
  body: unknown;
}

const credential = `svc_${randomBytes(24).toString('hex')}`;
let listings: ListingsHarness;
let bookings: Server;
let asked: Asked[] = [];
/** What bookings has sold and held of every ticket type. */
let taken = { sold: 0, held: 0 };

beforeAll(async () => {
  bookings = createServer((req, res) => {
    let text = '';
    req.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    req.on('end', () => {
      const body = JSON.parse(text) as { capacity: number };
      asked.push({ authorization: req.headers.authorization, path: req.url, body });
      const refused = body.capacity < taken.sold + taken.held;
      res.writeHead(refused ? 409 : 200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(refused ? { error: 'capacity_below_sold', ...taken } : { ok: true }));
    });
  });
  await new Promise<void>((resolve) => bookings.listen(0, '127.0.0.1', resolve));
  const { port } = bookings.address() as AddressInfo;
  listings = await startSubgraph(listingsSubgraph, {
    env: { BOOKINGS_INTERNAL_URL: `http://127.0.0.1:${port}`, BOOKINGS_INTERNAL_CREDENTIAL: credential },
  });
});
afterAll(async () => {
  await listings?.stop();
  await new Promise((resolve) => bookings?.close(resolve));
});
beforeEach(() => {
  asked = [];
  taken = { sold: 0, held: 0 };
});

describe('lowering the capacity of a published event', () => {
  it('asks bookings with our credential, and lowers it when bookings agrees', async () => {
    const owner = organizer();
    const event = await createEvent(listings, owner, await createVenue(listings, owner));
    await publish(listings, owner, event.id);
    const id = event.ticketTypes[0]!.id;
    taken = { sold: 40, held: 10 };
    const { body } = await listings.graphql(UPDATE_TICKET_TYPE, { input: { id, capacity: 50 } }, owner);
    expect(body.data).toMatchObject({ updateTicketType: { ticketType: { capacity: 50 } } });
    expect(asked).toEqual([
      {
        authorization: `Bearer ${credential}`,
        path: '/internal/ticket-types/capacity',
        body: { ticketTypeId: id, eventId: event.id, capacity: 50 },
      },
    ]);
    const updated = await outboxEvents(listings, event.id, 'platform.listings.event.updated.v1');
    expect(updated.map((entry) => entry.data.event.ticketTypes[0]!.capacity)).toEqual([50]);
  });

  it('answers CONFLICT naming what is sold and held when bookings refuses, and changes nothing', async () => {
    const owner = organizer();
    const event = await createEvent(listings, owner, await createVenue(listings, owner));
    await publish(listings, owner, event.id);
    const id = event.ticketTypes[0]!.id;
    taken = { sold: 30, held: 5 };
    const { body } = await listings.graphql(UPDATE_TICKET_TYPE, { input: { id, capacity: 34 } }, owner);
    expect(errorCode(body)).toBe('CONFLICT');
    expect(body.errors?.[0]?.message).toBe(
      'The capacity of "Standing" cannot drop to 34: 30 tickets are sold and 5 held',
    );
    expect(await outboxEvents(listings, event.id, 'platform.listings.event.updated.v1')).toEqual([]);
    const stored = await listings.db.raw<{ rows: unknown[] }>('select capacity from ticket_types where id = ?', [id]);
    expect(stored.rows).toEqual([{ capacity: 100 }]);
  });

  it('does not ask bookings to raise capacity, nor about drafts (nothing is sold before publication)', async () => {
    const owner = organizer();
    const venueId = await createVenue(listings, owner);
    const published = await createEvent(listings, owner, venueId);
    await publish(listings, owner, published.id);
    const raised = await listings.graphql(
      UPDATE_TICKET_TYPE,
      { input: { id: published.ticketTypes[0]!.id, capacity: 150 } },
      owner,
    );
    expect(errorCode(raised.body)).toBeUndefined();
    const draft = await createEvent(listings, owner, venueId);
    const lowered = await listings.graphql(
      UPDATE_TICKET_TYPE,
      { input: { id: draft.ticketTypes[0]!.id, capacity: 1 } },
      owner,
    );
    expect(errorCode(lowered.body)).toBeUndefined();
    expect(asked).toEqual([]);
  });
});
