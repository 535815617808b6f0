/**
 * The internal API search calls (never the supergraph), authenticated by its service
 * credential, to rebuild its index from scratch:
 *
 *   POST /internal/events/snapshots  (search)  { after: "<event id>" | null, limit: 1..500 }
 *        → 200 { events: [<event snapshot>], next: "<event id>" | null }
 *
 * Every event of every status, by id, each as the same snapshot its domain events carry
 * (`domain/snapshots.ts`: the venue and ticket types as they are now, and the version), so
 * a consumer applies them exactly like the events and ignores one older than what it holds.
 */
import { HttpError, readJsonBody, sendJson, type Database, type Route } from '@platform/service-kit';
import type { IncomingMessage } from 'node:http';
import { z } from 'zod';
import { eventSnapshot } from '../domain/snapshots.js';
import { createStores } from '../stores/index.js';

const BODY_LIMIT_BYTES = 1024;

const snapshotsBody = z.object({
  after: z.uuid().nullable(),
  limit: z.number().int().min(1).max(500),
});

export function createInternalRoutes(dependencies: {
  authenticateService: (req: IncomingMessage) => string;
  db: Database;
}): Route[] {
  const { authenticateService, db } = dependencies;
  return [
    {
      method: 'POST',
      path: '/internal/events/snapshots',
      handler: async ({ req, res }) => {
        const caller = authenticateService(req);
        if (caller !== 'search') {
          throw new HttpError(403, `The ${caller} service may not call /internal/events/snapshots`, 'FORBIDDEN');
        }
        const body = snapshotsBody.safeParse(await readJsonBody(req, BODY_LIMIT_BYTES));
        if (!body.success) {
          throw new HttpError(400, 'The body must be JSON: { "after": "<event id>" | null, "limit": <1 to 500> }');
        }
        // One snapshot of the page: its events, their venues and ticket types read together.
        const events = await db.transaction(
          async (trx) => {
            const stores = createStores(trx);
            const page = await stores.events.pageById(body.data.after?.toLowerCase() ?? null, body.data.limit);
            const venues = new Map(
              (await stores.venues.findManyByIds([...new Set(page.map((event) => event.venueId))])).map((venue) => [
                venue.id,
                venue,
              ]),
            );
            const ticketTypes = await stores.events.ticketTypesOf(page.map((event) => event.id));
            return page.map((event) =>
              eventSnapshot(event, venues.get(event.venueId)!, ticketTypes.get(event.id) ?? []),
            );
          },
          { isolationLevel: 'repeatable read', readOnly: true },
        );
        sendJson(res, 200, {
          events,
          next: events.length === body.data.limit ? events.at(-1)!.id : null,
        });
      },
    },
  ];
}
