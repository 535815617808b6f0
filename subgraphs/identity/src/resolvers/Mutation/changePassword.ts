/** `Mutation.changePassword`: a new password, proven by the current one; other sessions are signed out. */
import { notFound, requireUserId } from '@platform/service-kit';
import { createEvent, requestContextOf } from '@platform/service-kit/events';
import type { MutationResolvers } from '../../__generated__/resolvers-types.js';
import { revokeSessionsAfterPasswordChange } from '../../domain/sessions.js';
import { InputProblems, passwordProblem } from '../../domain/validation.js';

export const changePassword: MutationResolvers['changePassword'] = async (_parent, { input }, context) => {
  const userId = requireUserId(context);
  const credentials = await context.users.findCredentialsById(userId);
  if (!credentials) throw notFound('Your account no longer exists');

  const current = await context.passwords.verify(credentials.passwordHash, input.currentPassword);
  const problems = new InputProblems();
  problems.add('currentPassword', current.valid ? null : 'is incorrect');
  problems.add('newPassword', passwordProblem(input.newPassword));
  if (current.valid && input.newPassword === input.currentPassword) {
    problems.add('newPassword', 'must differ from the current password');
  }
  problems.throwIfAny();

  const passwordHash = await context.passwords.hash(input.newPassword);
  await context.inTransaction(async ({ users, tokens, outbox }) => {
    if (!(await users.setPasswordHash(userId, passwordHash))) throw notFound('Your account no longer exists');
    // A reset link mailed earlier must not be able to undo this change.
    await tokens.invalidateOutstanding(userId, 'password_reset');
    await outbox.enqueue(
      createEvent({
        type: 'platform.identity.user.password_changed.v1',
        subject: userId,
        data: {
          actorId: userId,
          target: { type: 'user', id: userId },
          context: requestContextOf(context),
          userId,
          // Revoked right after the commit; when that fails, the request fails.
          otherSessionsRevoked: true,
        },
      }),
    );
  });
  context.logger.info({ userId }, 'password changed');

  await revokeSessionsAfterPasswordChange(context, {
    userId,
    exceptSessionId: context.caller.sessionId,
    reason: 'password_changed',
  });
  return { success: true };
};
