/**
 * Resending an email verification link: generic (the caller learns nothing about the address),
 * throttled per account and idempotent within the throttle. The decision and the new token are
 * one transaction holding the account's row, so two requests at once cannot both pass the
 * throttle; the link goes to notifications only after it commits, like every mailed link.
 */
import type { Logger } from '@platform/service-kit';
import type { InTransaction } from '../stores/index.js';
import { deliverMailLink, issueMailToken, type MailLinks } from './mail-tokens.js';

/** At most one link a minute and five an hour per account; the registration's own link counts. */
const VERIFICATION_RESEND_LIMITS = { perMinute: 1, perHour: 5 } as const;

export type ResendOutcome = 'sent' | 'no_account' | 'already_verified' | 'throttled';

export async function resendVerification(
  dependencies: { inTransaction: InTransaction; mailLinks: MailLinks; logger: Logger },
  normalisedEmail: string,
): Promise<ResendOutcome> {
  const decided = await dependencies.inTransaction(async ({ users, tokens }) => {
    const user = await users.lockByEmail(normalisedEmail);
    if (!user) return { outcome: 'no_account' as const };
    if (user.emailVerifiedAt) return { outcome: 'already_verified' as const };
    const lastMinute = await tokens.issuedWithin(user.id, 'email_verification', 60);
    const lastHour = await tokens.issuedWithin(user.id, 'email_verification', 60 * 60);
    if (lastMinute >= VERIFICATION_RESEND_LIMITS.perMinute || lastHour >= VERIFICATION_RESEND_LIMITS.perHour) {
      return { outcome: 'throttled' as const, userId: user.id };
    }
    return { outcome: 'sent' as const, user, token: await issueMailToken(tokens, user.id, 'email_verification') };
  });
  if (decided.outcome === 'sent') {
    const { user, token } = decided;
    await deliverMailLink(dependencies.mailLinks, dependencies.logger, {
      userId: user.id,
      email: user.email,
      name: user.name,
      purpose: 'email_verification',
      token,
    });
  }
  // Neither the address nor the token is logged: the outcome and, when known, the account.
  dependencies.logger.info(
    { outcome: decided.outcome, ...('userId' in decided ? { userId: decided.userId } : {}) },
    'verification mail resend requested',
  );
  return decided.outcome;
}
