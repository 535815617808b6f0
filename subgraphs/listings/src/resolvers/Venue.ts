/** `Venue`: referenced by id (batched); its organizer is a `User` identity resolves. */
import type { VenueResolvers } from '../__generated__/resolvers-types.js';

export const Venue: VenueResolvers = {
  __resolveReference: (reference, context) => context.venueById.load(reference.id),
  organizer: (venue) => ({ id: venue.organizerId }),
};
