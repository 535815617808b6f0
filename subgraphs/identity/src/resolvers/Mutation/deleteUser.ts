/**
 * `Mutation.deleteUser`: an account is deleted in three steps across services, in this
 * order so that a failure leaves nothing half-usable:
 *
 * 1. authz removes the user's role assignments (and refuses for the last admin, before
 *    anything changed);
 * 2. auth ends every session of the user, so no refresh token outlives the account;
 * 3. the user row goes, its mail tokens with it (foreign key cascade).
 *
 * Each step is idempotent: when a later step fails the request fails, and retrying the
 * deletion completes it.
 */
import { conflict, notFound, Permission } from '@platform/service-kit';
import { createEvent, requestContextOf } from '@platform/service-kit/events';
import type { MutationResolvers } from '../../__generated__/resolvers-types.js';
import { LastAdminError } from '../../authz-client.js';
import { requirePermission } from '../../domain/authorization.js';

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
  try {
    await context.sessions.revokeSessions(
      { userId, exceptSessionId: null, reason: 'user_deleted' },
      context.requestId,
      callerId,
    );
  } catch (error) {
    context.logger.error(
      { err: error, userId },
      'user deletion failed after the role assignments were removed: the sessions could not be revoked',
    );
    throw error;
  }
  // False only when a concurrent deletion got there first: the account is gone either way.
  const deleted = await context.inTransaction(async ({ users, outbox }) => {
    if (!(await users.deleteById(userId))) return false;
    await outbox.enqueue(
      createEvent({
        type: 'platform.identity.user.deleted.v1',
        subject: userId,
        data: {
          actorId: callerId,
          target: { type: 'user', id: userId },
          context: requestContextOf(context),
          userId,
          reason: null,
        },
      }),
    );
    return true;
  });
  context.userById.clear(userId);
  context.logger.info({ userId, deletedBy: callerId, deletedNow: deleted }, 'user deleted');
  return { success: true };
};
