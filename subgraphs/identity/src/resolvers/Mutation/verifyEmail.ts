/** `Mutation.verifyEmail`: the token from the verification link proves the address. */
import { badUserInput } from '@platform/service-kit';
import { requestContextOf } from '@platform/service-kit/events';
import type { MutationResolvers } from '../../__generated__/resolvers-types.js';
import { presentedTokenHash } from '../../domain/mail-tokens.js';
import { eventAboutUser } from '../../domain/user-events.js';

export const verifyEmail: MutationResolvers['verifyEmail'] = async (_parent, { input }, context) => {
  const tokenHash = presentedTokenHash(input.token);
  const user =
    tokenHash === null
      ? null
      : await context.inTransaction(async ({ users, tokens, outbox }) => {
          const userId = await tokens.consume('email_verification', tokenHash);
          const verified = userId ? await users.markEmailVerified(userId) : null;
          if (verified) {
            await outbox.enqueue(
              eventAboutUser('platform.identity.user.email_verified.v1', {
                // The link's owner proved the address, signed in or not.
                actorId: verified.id,
                context: requestContextOf(context),
                userId: verified.id,
                email: verified.email,
              }),
            );
          }
          return verified;
        });
  if (!user) throw badUserInput({ 'input.token': 'is invalid or expired' });

  context.userById.clear(user.id).prime(user.id, user);
  context.logger.info({ userId: user.id }, 'email verified');
  return { user };
};
