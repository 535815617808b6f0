/**
 * `Mutation.deleteUser`: an account is deleted in two steps, then other services react:
 *
 * 1. authz removes the user's role assignments, and refuses for the last admin before
 *    anything changed: identity waits for that answer;
 * 2. the user row goes, its mail tokens with it (foreign key cascade), and `user.deleted`
 *    commits in the same transaction;
 * 3. on that event auth revokes every session of the user, and authz removes any role
 *    assignment made since step 1. The sessions therefore end shortly after the deletion,
 *    not before it: until auth has processed the event (the outbox keeps it for as long
 *    as auth is away), a session of the deleted user can still refresh.
 *
 * Steps 1 and 2 are idempotent: when step 2 fails the request fails, and retrying the
 * deletion completes it.
 */
import { conflict, notFound, Permission, requirePermission } from '@platform/service-kit';
import { requestContextOf } from '@platform/service-kit/events';
import type { MutationResolvers } from '../../__generated__/resolvers-types.js';
import { LastAdminError } from '../../authz-client.js';
import { eventAboutUser } from '../../domain/user-events.js';

export const deleteUser: MutationResolvers['deleteUser'] = async (_parent, { input }, context) => {
  const callerId = requirePermission(context, Permission.IdentityUserDelete);
  const user = await context.userById.load(input.id);
  if (!user) throw notFound('No user with this id');
  const userId = user.id;

  try {
    await context.authz.removeUser(userId, context.requestId);
  } catch (error) {
    if (error instanceof LastAdminError) throw conflict('cannot delete the last admin');
    context.logger.error({ err: error, userId }, 'user deletion failed: authz could not remove the role assignments');
    throw error;
  }
  // False only when a concurrent deletion got there first: the account is gone either way.
  const deleted = await context.inTransaction(async ({ users, outbox }) => {
    if (!(await users.deleteById(userId))) return false;
    await outbox.enqueue(
      eventAboutUser('platform.identity.user.deleted.v1', {
        actorId: callerId,
        context: requestContextOf(context),
        userId,
        reason: null,
      }),
    );
    return true;
  });
  context.userById.clear(userId);
  context.logger.info({ userId, deletedBy: callerId, deletedNow: deleted }, 'user deleted');
  return { success: true };
};
