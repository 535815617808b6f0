/** `Mutation.verifyEmail`: the token from the verification link proves the address. */
import { badUserInput } from '@platform/service-kit';
import type { MutationResolvers } from '../../__generated__/resolvers-types.js';
import { presentedTokenHash } from '../../domain/mail-tokens.js';

export const verifyEmail: MutationResolvers['verifyEmail'] = async (_parent, { input }, context) => {
  const tokenHash = presentedTokenHash(input.token);
  const user =
    tokenHash === null
      ? null
      : await context.inTransaction(async ({ users, tokens }) => {
          const userId = await tokens.consume('email_verification', tokenHash);
          return userId ? users.markEmailVerified(userId) : null;
        });
  if (!user) throw badUserInput({ token: 'is invalid or expired' });

  context.userById.clear(user.id).prime(user.id, user);
  context.logger.info({ userId: user.id }, 'email verified');
  return { user };
};
