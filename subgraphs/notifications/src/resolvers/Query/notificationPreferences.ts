/** `Query.notificationPreferences`: every kind, the user's choice or the default (both channels on). */
import { requireUserId } from '@platform/service-kit';
import type { QueryResolvers } from '../../__generated__/resolvers-types.js';
import { isCritical, KIND_NAMES } from '../../domain/kinds.js';
import { preferences } from '../../stores/index.js';

export const notificationPreferences: QueryResolvers['notificationPreferences'] = async (_parent, _args, context) => {
  const chosen = await preferences.ofUser(context.db, requireUserId(context));
  return KIND_NAMES.map((kind) => ({
    kind,
    ...(chosen.get(kind) ?? { email: true, inApp: true }),
    critical: isCritical(kind),
  }));
};
