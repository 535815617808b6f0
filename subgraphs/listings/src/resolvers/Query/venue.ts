/** `Query.venue`: any venue (venues are public). */
import type { QueryResolvers } from '../../__generated__/resolvers-types.js';

export const venue: QueryResolvers['venue'] = (_parent, { id }, context) => context.venueById.load(id);
