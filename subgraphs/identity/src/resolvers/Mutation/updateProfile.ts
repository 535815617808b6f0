/** `Mutation.updateProfile`: the signed-in user changes their own profile. */
import { InputProblems, notFound, requireUserId } from '@platform/service-kit';
import { requestContextOf } from '@platform/service-kit/events';
import type { MutationResolvers } from '../../__generated__/resolvers-types.js';
import { eventAboutUser } from '../../domain/user-events.js';
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
        eventAboutUser('platform.identity.user.updated.v1', {
          actorId: userId,
          context: requestContextOf(context),
          userId,
          changedFields: ['name'],
          name: updated.name,
        }),
      );
    }
    return updated;
  });
  if (!user) throw notFound('Your account no longer exists');
  context.userById.clear(userId).prime(userId, user);
  return { user };
};
