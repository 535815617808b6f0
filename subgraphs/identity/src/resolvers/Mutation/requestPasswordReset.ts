/**
 * `Mutation.requestPasswordReset`: answers at once and the same way whether or not the
 * address has an account; looking it up and issuing the link happen after the answer.
 */
import type { MutationResolvers } from '../../__generated__/resolvers-types.js';
import { emailProblem, normaliseEmail } from '../../domain/email.js';
import { deliverMailLink, issueMailToken } from '../../domain/mail-tokens.js';

export const requestPasswordReset: MutationResolvers['requestPasswordReset'] = async (_parent, { input }, context) => {
  const email = normaliseEmail(input.email);
  if (emailProblem(email) === null) {
    const { users, tokens, logger, mailLinks } = context;
    context.background.schedule('password reset request', logger, async () => {
      const userId = await users.findIdByEmail(email);
      if (!userId) {
        logger.info('password reset requested for an address without an account');
        return;
      }
      const token = await issueMailToken(tokens, userId, 'password_reset');
      await deliverMailLink(mailLinks, logger, { userId, email, name: null, purpose: 'password_reset', token });
    });
  }
  return { success: true };
};
