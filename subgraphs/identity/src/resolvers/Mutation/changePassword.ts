/**
 * `Mutation.changePassword`: a new password, proven by the current one. The other sessions
 * are signed out by auth when it receives the `password_changed` event, which commits with
 * the new password (so it is delivered however long auth is away, and a login with the old
 * password is refused from the commit on); the session that made the change stays.
 *
 * A stolen access token must not make this a password oracle: the gateway asks for a recent
 * sign-in (`@policy recent_authentication`), and wrong current passwords are throttled per
 * user, each attempt counted before the slow verification (`context.passwordChanges`).
 */
import { InputProblems, notFound, rateLimited, requireUserId } from '@platform/service-kit';
import { requestContextOf } from '@platform/service-kit/events';
import type { MutationResolvers } from '../../__generated__/resolvers-types.js';
import { isUuid } from '../../domain/ids.js';
import { eventAboutUser } from '../../domain/user-events.js';
import { passwordProblem } from '../../domain/validation.js';

export const changePassword: MutationResolvers['changePassword'] = async (_parent, { input }, context) => {
  const userId = requireUserId(context);
  const credentials = await context.users.findCredentialsById(userId);
  if (!credentials) throw notFound('Your account no longer exists');

  // A throttle that cannot answer rejects: the change is refused rather than verified unthrottled.
  const attempt = await context.passwordChanges.attempt(userId);
  if (attempt.locked) {
    context.logger.info(
      { userId, retryAfterMs: attempt.retryAfterMs },
      'password change refused: too many wrong passwords',
    );
    throw rateLimited(
      Math.max(1, Math.ceil(attempt.retryAfterMs / 1000)),
      'Too many wrong current passwords: try again later',
    );
  }
  const current = await context.passwords.verify(credentials.passwordHash, input.currentPassword);
  if (current.valid) await context.passwordChanges.recordSuccess(userId);
  else await context.passwordChanges.recordFailure(userId);
  const problems = new InputProblems('input');
  problems.add('currentPassword', current.valid ? null : 'is incorrect');
  problems.add('newPassword', passwordProblem(input.newPassword));
  if (current.valid && input.newPassword === input.currentPassword) {
    problems.add('newPassword', 'must differ from the current password');
  }
  problems.throwIfAny();

  const passwordHash = await context.passwords.hash(input.newPassword);
  // Auth's session ids are UUIDs: anything else names no session there, so none is kept.
  const { sessionId } = context.caller;
  const keptSessionId = sessionId !== null && isUuid(sessionId) ? sessionId : null;
  await context.inTransaction(async ({ users, tokens, outbox }) => {
    if (!(await users.setPasswordHash(userId, passwordHash))) throw notFound('Your account no longer exists');
    // A reset link mailed earlier must not be able to undo this change.
    await tokens.invalidateOutstanding(userId, 'password_reset');
    await outbox.enqueue(
      eventAboutUser('platform.identity.user.password_changed.v1', {
        actorId: userId,
        context: requestContextOf(context),
        userId,
        // Auth revokes every session of the user but the caller's when it receives this.
        otherSessionsRevoked: true,
        keptSessionId,
      }),
    );
  });
  context.logger.info({ userId }, 'password changed');
  return { success: true };
};
