/**
 * `Mutation.resetPassword`: a new password with the token from a reset link. Every session
 * of the user is signed out by auth when it receives the `password_reset` event, which
 * commits with the new password.
 */
import { badUserInput, InputProblems } from '@platform/service-kit';
import { requestContextOf } from '@platform/service-kit/events';
import type { MutationResolvers } from '../../__generated__/resolvers-types.js';
import { presentedTokenHash } from '../../domain/mail-tokens.js';
import { eventAboutUser } from '../../domain/user-events.js';
import { passwordProblem } from '../../domain/validation.js';

const INVALID_TOKEN = 'is invalid or expired';

export const resetPassword: MutationResolvers['resetPassword'] = async (_parent, { input }, context) => {
  const tokenHash = presentedTokenHash(input.token);
  const problems = new InputProblems('input');
  problems.add('token', tokenHash === null ? INVALID_TOKEN : null);
  problems.add('newPassword', passwordProblem(input.newPassword));
  problems.throwIfAny();

  // Hashed before the transaction so no row stays locked while argon2 works.
  const passwordHash = await context.passwords.hash(input.newPassword);
  const userId = await context.inTransaction(async ({ users, tokens, outbox }) => {
    const owner = tokenHash === null ? null : await tokens.consume('password_reset', tokenHash);
    if (!owner) return null;
    await users.setPasswordHash(owner, passwordHash);
    await tokens.invalidateOutstanding(owner, 'password_reset');
    await outbox.enqueue(
      eventAboutUser('platform.identity.user.password_reset.v1', {
        // The holder of the mailed link acts as the account's owner.
        actorId: owner,
        context: requestContextOf(context),
        userId: owner,
        // Auth revokes every session of the user when it receives this.
        sessionsRevoked: true,
      }),
    );
    return owner;
  });
  if (!userId) throw badUserInput({ 'input.token': INVALID_TOKEN });
  context.logger.info({ userId }, 'password reset');
  return { success: true };
};
