/**
 * `Query.users`: every user, a page at a time, in creation order. Keyset pagination: the
 * cursor names the last user seen, and the next page starts strictly after it, so users
 * registering meanwhile never shift a page.
 */
import { InputProblems, Permission, requirePermission } from '@platform/service-kit';
import type { QueryResolvers } from '../../__generated__/resolvers-types.js';
import { decodeUserCursor, encodeUserCursor } from '../../domain/user-cursors.js';

const USERS_PAGE_MAX = 100;

export const users: QueryResolvers['users'] = async (_parent, { first, after }, context) => {
  requirePermission(context, Permission.IdentityUserRead);

  // An explicit null means the default, like an omitted argument.
  const size = first ?? 20;
  const position = after == null ? null : decodeUserCursor(after);
  const problems = new InputProblems();
  problems.add(
    'first',
    Number.isInteger(size) && size >= 1 && size <= USERS_PAGE_MAX ? null : `must be between 1 and ${USERS_PAGE_MAX}`,
  );
  problems.add('after', after != null && position === null ? 'is not a valid cursor' : null);
  problems.throwIfAny();

  // One more than asked tells whether another page follows.
  const listed = await context.users.list(position, size + 1);
  const page = listed.slice(0, size);
  const edges = page.map(({ user, position: at }) => {
    context.userById.prime(user.id, user);
    return { cursor: encodeUserCursor(at), node: user };
  });
  return { edges, pageInfo: { hasNextPage: listed.length > size, endCursor: edges.at(-1)?.cursor ?? null } };
};
