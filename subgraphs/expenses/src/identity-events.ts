/**
 * What expenses does when identity's users come and go (each applied once, inside the
 * consumer's deduplication transaction):
 * - `user.registered`: the user's settings row with the configured defaults, and the default
 *   categories. Doing it twice adds nothing (categories are unique per user by name).
 * - `user.deleted`: everything the user kept here goes; their finances are nobody else's.
 */
import type { ConsumedEventHandler } from '@platform/service-kit';
import { createStores } from './stores/index.js';
import type { ExpenseSettings } from './stores/user-store.js';
import { DEFAULT_CATEGORY_NAMES } from './domain/expenses.js';

export const CONSUMED_IDENTITY_EVENTS = [
  'platform.identity.user.registered.v1',
  'platform.identity.user.deleted.v1',
] as const;

type ConsumedType = (typeof CONSUMED_IDENTITY_EVENTS)[number];

export function createIdentityEventHandlers(defaults: ExpenseSettings): {
  [T in ConsumedType]: ConsumedEventHandler<T>;
} {
  return {
    'platform.identity.user.registered.v1': async (event, trx) => {
      const stores = createStores(trx);
      await stores.users.ensureSettings(event.data.userId, defaults);
      await stores.users.addDefaultCategories(event.data.userId, DEFAULT_CATEGORY_NAMES);
    },
    'platform.identity.user.deleted.v1': async (event, trx) => {
      await createStores(trx).users.forget(event.data.userId);
    },
  };
}
