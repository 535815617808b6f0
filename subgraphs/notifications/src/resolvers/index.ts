import { DateTime } from '@platform/service-kit';
import type { Resolvers } from '../__generated__/resolvers-types.js';
import { markNotificationsRead } from './Mutation/markNotificationsRead.js';
import { setQuietHours } from './Mutation/setQuietHours.js';
import { updateNotificationPreference } from './Mutation/updateNotificationPreference.js';
import { notificationPreferences } from './Query/notificationPreferences.js';
import { quietHours } from './Query/quietHours.js';
import { notificationAdded } from './Subscription/notificationAdded.js';
import { User } from './User.js';

export const resolvers: Resolvers = {
  DateTime,
  Query: { notificationPreferences, quietHours },
  Mutation: { markNotificationsRead, updateNotificationPreference, setQuietHours },
  Subscription: { notificationAdded },
  User,
};
