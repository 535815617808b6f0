/**
 * `Mutation.register`: a new account, and an email verification link on its way. The
 * account's `user.registered` event commits with it; authz gives the default role when it
 * receives the event, so a registration never waits for authz nor fails because of it.
 */
import { conflict, InputProblems } from '@platform/service-kit';
import { requestContextOf } from '@platform/service-kit/events';
import type { MutationResolvers } from '../../__generated__/resolvers-types.js';
import { emailProblem, normaliseEmail } from '../../domain/email.js';
import { deliverMailLink, issueMailToken } from '../../domain/mail-tokens.js';
import { eventAboutUser } from '../../domain/user-events.js';
import { nameProblem, normaliseName, passwordProblem } from '../../domain/validation.js';
import { EmailTakenError } from '../../stores/user-store.js';

export const register: MutationResolvers['register'] = async (_parent, { input }, context) => {
  const email = normaliseEmail(input.email);
  const name = normaliseName(input.name);
  const problems = new InputProblems('input');
  problems.add('email', emailProblem(email));
  problems.add('password', passwordProblem(input.password));
  problems.add('name', nameProblem(name));
  problems.throwIfAny();

  const passwordHash = await context.passwords.hash(input.password);
  let created;
  try {
    created = await context.inTransaction(async ({ users, tokens, outbox }) => {
      const user = await users.create({ email, name, passwordHash });
      await outbox.enqueue(
        eventAboutUser('platform.identity.user.registered.v1', {
          // Self sign-up: the new user is who did it.
          actorId: context.caller.userId ?? user.id,
          context: requestContextOf(context),
          userId: user.id,
          email: user.email,
          name: user.name,
          emailVerified: user.emailVerifiedAt !== null,
        }),
      );
      return { user, token: await issueMailToken(tokens, user.id, 'email_verification') };
    });
  } catch (error) {
    // Also how the loser of two simultaneous registrations of one address ends up.
    if (error instanceof EmailTakenError) throw conflict('An account with this email address already exists');
    throw error;
  }

  const { user, token } = created;
  context.logger.info({ userId: user.id }, 'user registered');
  context.countRegistration();
  // After the answer: the registration stands even if the mail cannot go now.
  context.background.schedule('verification mail', context.logger, () =>
    deliverMailLink(context.mailLinks, context.logger, {
      userId: user.id,
      email: user.email,
      name: user.name,
      purpose: 'email_verification',
      token,
    }),
  );
  return { user };
};
