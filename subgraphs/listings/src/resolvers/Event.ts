/**
 * `Event`: its derived status and time zone, its venue, organizer and ticket types (batched, or
 * as a keyed createEvent answered them: `answered`).
 */
import { canSee } from '../domain/access.js';
import { statusAt } from '../domain/status.js';
import type { EventResolvers } from '../__generated__/resolvers-types.js';

export const Event: EventResolvers = {
  // Entity references obey the same visibility as `Query.event`.
  __resolveReference: async (reference, context) => {
    const event = await context.eventById.load(reference.id);
    return event && canSee(context, event) ? event : null;
  },
  status: (event) => statusAt(event, new Date()),
  timeZone: async (event, _args, context) => (await context.venueById.load(event.venueId))!.timeZone,
  venue: async (event, _args, context) => (await context.venueById.load(event.venueId))!,
  organizer: (event) => ({ id: event.organizerId }),
  ticketTypes: (event, _args, context) =>
    event.answered ? event.answered.ticketTypes : context.ticketTypesByEventId.load(event.id),
};
