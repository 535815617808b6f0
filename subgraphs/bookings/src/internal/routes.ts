/**
 * The internal API listings calls (never the supergraph), authenticated by its service
 * credential:
 *
 *   POST /internal/ticket-types/capacity  (listings)  { ticketTypeId, eventId, capacity }
 *        → 200 { ok: true }
 *        | 409 { error: 'capacity_below_sold', sold, held }   (capacity < sold + held)
 *        | 400 { error }                                       (bad body, ticket type of another event)
 *
 * Listings lowers a published event's capacity here first, and only then commits and
 * publishes its snapshot: bookings owns sold and held, and applies the new capacity under
 * the lock holds take, so no hold can slip in between the check and the change.
 */
import { HttpError, readJsonBody, sendJson, type Route } from '@platform/service-kit';
import { NO_REQUEST } from '@platform/service-kit/events';
import type { IncomingMessage } from 'node:http';
import { z } from 'zod';
import type { BookingService } from '../domain/bookings.js';

const BODY_LIMIT_BYTES = 4 * 1024;

const capacityBody = z.object({
  ticketTypeId: z.uuid(),
  eventId: z.uuid(),
  capacity: z.number().int().min(0),
});

export function createInternalRoutes(dependencies: {
  authenticateService: (req: IncomingMessage) => string;
  bookings: BookingService;
}): Route[] {
  const { authenticateService, bookings } = dependencies;
  return [
    {
      method: 'POST',
      path: '/internal/ticket-types/capacity',
      handler: async ({ req, res, requestId }) => {
        const caller = authenticateService(req);
        if (caller !== 'listings') {
          throw new HttpError(403, `The ${caller} service may not call /internal/ticket-types/capacity`, 'FORBIDDEN');
        }
        const body = capacityBody.safeParse(await readJsonBody(req, BODY_LIMIT_BYTES));
        if (!body.success) {
          throw new HttpError(
            400,
            'The body must be JSON: { "ticketTypeId": "<uuid>", "eventId": "<uuid>", "capacity": <whole number ≥ 0> }',
          );
        }
        const input = {
          ticketTypeId: body.data.ticketTypeId.toLowerCase(),
          eventId: body.data.eventId.toLowerCase(),
          capacity: body.data.capacity,
        };
        const result = await bookings.changeCapacity(
          { userId: null, permissions: [], context: { ...NO_REQUEST, requestId } },
          input,
        );
        if (result.ok) sendJson(res, 200, { ok: true });
        else if (result.error === 'event_mismatch') {
          sendJson(res, 400, { error: `ticket type ${input.ticketTypeId} is not of event ${input.eventId}` });
        } else sendJson(res, 409, { error: result.error, sold: result.sold, held: result.held });
      },
    },
  ];
}
