/** `Mutation.updateProfile`: the signed-in user changes their own profile. */
import { notFound, requireUserId } from '@platform/service-kit';
import type { MutationResolvers } from '../../__generated__/resolvers-types.js';
import { InputProblems, nameProblem, normaliseName } from '../../domain/validation.js';

export const updateProfile: MutationResolvers['updateProfile'] = async (_parent, { input }, context) => {
  const userId = requireUserId(context);
  const name = normaliseName(input.name);
  const problems = new InputProblems();
  problems.add('name', nameProblem(name));
  problems.throwIfAny();

  const user = await context.users.updateName(userId, name);
  if (!user) throw notFound('Your account no longer exists');
  context.userById.clear(userId).prime(userId, user);
  return { user };
};
