/** `Mutation.updateNotificationPreference`: an unknown kind is BAD_USER_INPUT naming the kinds there are. */
import { badUserInput, requireUserId } from '@platform/service-kit';
import type { MutationResolvers } from '../../__generated__/resolvers-types.js';
import { isCritical, isNotificationKind, KIND_NAMES } from '../../domain/kinds.js';
import { preferences } from '../../stores/index.js';

export const updateNotificationPreference: MutationResolvers['updateNotificationPreference'] = async (
  _parent,
  { input },
  context,
) => {
  const userId = requireUserId(context);
  if (!isNotificationKind(input.kind)) {
    throw badUserInput({ kind: `must be one of ${KIND_NAMES.join(', ')}` }, `Unknown notification kind ${input.kind}`);
  }
  await preferences.set(context.db, userId, input.kind, { email: input.email, inApp: input.inApp });
  return { preference: { kind: input.kind, email: input.email, inApp: input.inApp, critical: isCritical(input.kind) } };
};
