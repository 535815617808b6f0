/** `Mutation.markNotificationsRead`: the caller's own only; others' and unknown ids change nothing. */
import { badUserInput, requireUserId } from '@platform/service-kit';
import type { MutationResolvers } from '../../__generated__/resolvers-types.js';
import { notifications } from '../../stores/index.js';

const MAX_IDS = 100;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const markNotificationsRead: MutationResolvers['markNotificationsRead'] = async (
  _parent,
  { input },
  context,
) => {
  const userId = requireUserId(context);
  if (input.ids.length > MAX_IDS) throw badUserInput({ ids: `at most ${MAX_IDS} at a time` });
  const ids = input.ids.filter((id) => UUID.test(id)).map((id) => id.toLowerCase());
  await notifications.markRead(context.db, userId, ids);
  return { unreadCount: await notifications.unreadCount(context.db, userId) };
};
