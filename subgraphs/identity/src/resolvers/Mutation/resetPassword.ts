/** `Mutation.resetPassword`: a new password with the token from a reset link; every session is signed out. */
import { badUserInput } from '@platform/service-kit';
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
  const userId = await context.inTransaction(async ({ users, tokens }) => {
    const owner = tokenHash === null ? null : await tokens.consume('password_reset', tokenHash);
    if (!owner) return null;
    await users.setPasswordHash(owner, passwordHash);
    await tokens.invalidateOutstanding(owner, 'password_reset');
    return owner;
  });
  if (!userId) throw badUserInput({ token: INVALID_TOKEN });
  context.logger.info({ userId }, 'password reset');

  await revokeSessionsAfterPasswordChange(context, { userId, exceptSessionId: null, reason: 'password_reset' });
  return { success: true };
};
