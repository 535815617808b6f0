/**
 * `User` fields notifications adds: only the user themself reads their notifications and count.
 */
import { badUserInput, forbidden, requireUserId } from '@platform/service-kit';
import type { UserResolvers } from '../__generated__/resolvers-types.js';
import { decodeCursor, encodeCursor } from '../domain/cursors.js';
import { notifications } from '../stores/index.js';
import type { Context } from '../context.js';

const DEFAULT_PAGE = 20;
const MAX_PAGE = 100;

function requireSelf(context: Context, userId: string): string {
  const caller = requireUserId(context);
  if (caller !== userId) throw forbidden('Only the user themself may read their notifications');
  return caller;
}

export const User: UserResolvers = {
  unreadNotificationCount: (user, _args, context) =>
    notifications.unreadCount(context.db, requireSelf(context, user.id)),
  notifications: async (user, { first, after }, context) => {
    const userId = requireSelf(context, user.id);
    const limit = first ?? DEFAULT_PAGE;
    if (limit < 1 || limit > MAX_PAGE) throw badUserInput({ first: `must be between 1 and ${MAX_PAGE}` });
    const position = after == null ? null : decodeCursor(after);
    if (after != null && !position) throw badUserInput({ after: 'is not a cursor of this list' });
    const rows = await notifications.page(context.db, userId, limit + 1, position);
    const page = rows.slice(0, limit);
    const edges = page.map((node) => ({ node, cursor: encodeCursor(node) }));
    return { edges, pageInfo: { hasNextPage: rows.length > limit, endCursor: edges.at(-1)?.cursor ?? null } };
  },
};
