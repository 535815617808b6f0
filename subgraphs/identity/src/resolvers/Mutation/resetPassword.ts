/** `Mutation.resetPassword`: a new password with the token from a reset link; every session is signed out. */
import { badUserInput } from '@platform/service-kit';
import { createEvent, requestContextOf } from '@platform/service-kit/events';
import type { MutationResolvers } from '../../__generated__/resolvers-types.js';
import { presentedTokenHash } from '../../domain/mail-tokens.js';
import { revokeSessionsAfterPasswordChange } from '../../domain/sessions.js';
import { InputProblems, passwordProblem } from '../../domain/validation.js';

const INVALID_TOKEN = 'is invalid or expired';

export const resetPassword: MutationResolvers['resetPassword'] = async (_parent, { input }, context) => {
  const tokenHash = presentedTokenHash(input.token);
  const problems = new InputProblems();
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
      createEvent({
        type: 'platform.identity.user.password_reset.v1',
        subject: owner,
        data: {
          // The holder of the mailed link acts as the account's owner.
          actorId: owner,
          target: { type: 'user', id: owner },
          context: requestContextOf(context),
          userId: owner,
          // Every session is revoked right after the commit; when that fails, the request fails.
          sessionsRevoked: true,
        },
      }),
    );
    return owner;
  });
  if (!userId) throw badUserInput({ token: INVALID_TOKEN });
  context.logger.info({ userId }, 'password reset');

  await revokeSessionsAfterPasswordChange(context, { userId, exceptSessionId: null, reason: 'password_reset' });
  return { success: true };
};
