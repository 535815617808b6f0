/** `Subscription.notificationAdded`: the caller's own new in-app notifications, from the replica's live feed. */
import { requireUserId } from '@platform/service-kit';
import type { SubscriptionResolvers } from '../../__generated__/resolvers-types.js';
import type { NotificationModel } from '../../mappers.js';

export const notificationAdded: SubscriptionResolvers['notificationAdded'] = {
  subscribe: (_parent, _args, context) => context.feed.subscribe(requireUserId(context)),
  // The feed yields notifications themselves, not `{ notificationAdded }` payloads.
  resolve: (notification: NotificationModel) => notification,
};
