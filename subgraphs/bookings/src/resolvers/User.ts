/**
 * Bookings' fields of `User`: the user's bookings and waiting-list entries, for the user
 * themself only. Batched: N users in one `_entities` call cost one query per field.
 */
import { forbidden, InputProblems, type BaseContext } from '@platform/service-kit';
import type { UserResolvers } from '../__generated__/resolvers-types.js';
import { decodeCursor, encodeCursor } from '../domain/cursors.js';

const PAGE_DEFAULT = 20;
const PAGE_MAX = 100;

function requireSelf(context: BaseContext, userId: string): void {
  if (context.caller.userId?.toLowerCase() !== userId.toLowerCase()) {
    throw forbidden('Only the user themself may read their bookings and waiting-list entries');
  }
}

export const User: UserResolvers = {
  __resolveReference: (reference) => ({ id: reference.id }),
  bookings: async (user, { first, after }, context) => {
    requireSelf(context, user.id);
    const problems = new InputProblems();
    const size = first ?? PAGE_DEFAULT;
    problems.add('first', size < 1 || size > PAGE_MAX ? `must be between 1 and ${PAGE_MAX}` : null);
    const position = after == null ? null : decodeCursor(after);
    problems.add('after', after != null && !position ? 'is not a cursor of this list' : null);
    problems.throwIfAny();
    // One more than asked: whether a next page exists without a count.
    const rows = await context.bookingPageByUser.load({
      userId: user.id.toLowerCase(),
      first: size + 1,
      after: position,
    });
    const page = rows.slice(0, size);
    const edges = page.map((booking) => ({ cursor: encodeCursor(booking), node: booking }));
    return { edges, pageInfo: { hasNextPage: rows.length > size, endCursor: edges.at(-1)?.cursor ?? null } };
  },
  waitlistEntries: (user, _args, context) => {
    requireSelf(context, user.id);
    return context.waitlistByUser.load(user.id);
  },
};
