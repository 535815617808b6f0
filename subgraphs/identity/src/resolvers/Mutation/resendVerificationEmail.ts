/**
 * `Mutation.resendVerificationEmail`: answers at once and the same way whatever the address
 * (unknown, verified, throttled or not); the lookup, the throttle and the new link happen after
 * the answer (`domain/verification-resend.ts`).
 */
import type { MutationResolvers } from '../../__generated__/resolvers-types.js';
import { emailProblem, normaliseEmail } from '../../domain/email.js';
import { resendVerification } from '../../domain/verification-resend.js';

export const resendVerificationEmail: MutationResolvers['resendVerificationEmail'] = async (
  _parent,
  { input },
  context,
) => {
  const email = normaliseEmail(input.email);
  if (emailProblem(email) === null) {
    const { inTransaction, mailLinks, logger } = context;
    context.background.schedule('verification mail resend', logger, async () => {
      await resendVerification({ inTransaction, mailLinks, logger }, email);
    });
  }
  return { success: true };
};
