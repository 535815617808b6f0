/** `Mutation.updateProfile`: the signed-in user changes their own profile. */
import { InputProblems, notFound, requireUserId } from '@platform/service-kit';
import { createEvent, requestContextOf } from '@platform/service-kit/events';
import type { MutationResolvers } from '../../__generated__/resolvers-types.js';
import { nameProblem, normaliseName } from '../../domain/validation.js';

export const updateProfile: MutationResolvers['updateProfile'] = async (_parent, { input }, context) => {
  const userId = requireUserId(context);
  const name = normaliseName(input.name);
  const problems = new InputProblems('input');
  problems.add('name', nameProblem(name));
  problems.throwIfAny();

  const user = await context.inTransaction(async ({ users, outbox }) => {
    const [before] = await users.findManyByIds([userId]);
    const updated = await users.updateName(userId, name);
    // Saving the name it already had changes nothing anyone needs to hear about.
    if (updated && before && before.name !== updated.name) {
      await outbox.enqueue(
        createEvent({
          type: 'platform.identity.user.updated.v1',
          subject: userId,
          data: {
            actorId: userId,
            target: { type: 'user', id: userId },
            context: requestContextOf(context),
            userId,
            changedFields: ['name'],
            name: updated.name,
          },
        }),
      );
    }
    return updated;
  });
  if (!user) throw notFound('Your account no longer exists');
  context.userById.clear(userId).prime(userId, user);
  return { user };
};
